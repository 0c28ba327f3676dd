package io.branchline.testkit;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * One HTTP listener on 127.0.0.1 that can be taken down (socket unbound, open connections closed) and brought
 * back up on the same port. Not for use from an event loop thread: the state changes wait for the socket.
 */
final class LoopbackServer {
    static final String LOOPBACK = "127.0.0.1";
    private static final long REBIND_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final int CONNECT_PROBE_TIMEOUT_MILLIS = 1_000;

    private final EventLoopGroup group;
    private final Consumer<ChannelPipeline> pipelineInit;
    private final Set<Channel> children = ConcurrentHashMap.newKeySet();
    private volatile boolean accepting;
    private Channel serverChannel;
    private int port;

    LoopbackServer(EventLoopGroup group, Consumer<ChannelPipeline> pipelineInit) {
        this.group = group;
        this.pipelineInit = pipelineInit;
    }

    /** Binds an ephemeral port. */
    synchronized void start() {
        serverChannel = bind(0);
        port = ((InetSocketAddress) serverChannel.localAddress()).getPort();
        accepting = true;
    }

    int port() {
        return port;
    }

    boolean isUp() {
        return accepting;
    }

    /** Unbinds the listening socket and closes every open connection: clients get "connection refused". */
    synchronized void down() {
        accepting = false;
        if (serverChannel != null) {
            serverChannel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
            serverChannel = null;
            awaitRefused();
        }
        closeChildren();
    }

    /**
     * Returns once a connection to the port is refused. The JDK closes a listening socket that is registered with a
     * selector only when that selector next runs, so after Netty's close completes the kernel may still complete
     * handshakes for a moment, and a client would see a reset where "down" promises a refusal.
     */
    private void awaitRefused() {
        InetSocketAddress address = new InetSocketAddress(LOOPBACK, port);
        long deadline = System.nanoTime() + REBIND_TIMEOUT_NANOS;
        while (true) {
            try (Socket probe = new Socket()) {
                probe.connect(address, CONNECT_PROBE_TIMEOUT_MILLIS);
            } catch (ConnectException refused) {
                return;
            } catch (IOException stillThere) {
                // a timeout or reset: not refused yet
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(LOOPBACK + ":" + port + " still accepts connections 5 s after down()");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    /** Rebinds the same port after {@link #down()}. */
    synchronized void up() {
        if (serverChannel == null) {
            long deadline = System.nanoTime() + REBIND_TIMEOUT_NANOS;
            while (true) {
                try {
                    serverChannel = bind(port);
                    break;
                } catch (RuntimeException e) {
                    if (!(e.getCause() instanceof BindException)
                            || System.nanoTime() > deadline) {
                        throw new IllegalStateException("cannot rebind " + LOOPBACK + ":" + port, e);
                    }
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
                }
            }
        }
        accepting = true;
    }

    /** Closes the listener and all connections for good. */
    synchronized void close() {
        down();
    }

    private void closeChildren() {
        List<ChannelFuture> closing = new ArrayList<>();
        for (Channel child : children) {
            closing.add(child.close());
        }
        for (ChannelFuture f : closing) {
            f.awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    private Channel bind(int requestedPort) {
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (!accepting) {
                            ch.close();
                            return;
                        }
                        children.add(ch);
                        ch.closeFuture().addListener(f -> children.remove(ch));
                        pipelineInit.accept(ch.pipeline());
                    }
                });
        ChannelFuture bound = bootstrap.bind(new InetSocketAddress(LOOPBACK, requestedPort));
        bound.awaitUninterruptibly();
        if (!bound.isSuccess()) {
            Throwable cause = bound.cause();
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            throw new IllegalStateException(cause);
        }
        return bound.channel();
    }
}
