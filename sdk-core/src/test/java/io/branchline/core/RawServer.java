package io.branchline.core;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback TCP server for faults an HTTP server library cannot produce: it accepts and stays silent (also through
 * a TLS handshake), reads the request and never answers, resets the connection after the request, or sends the
 * headers and part of the body and stalls. Counts requests read and connections the client closed.
 */
final class RawServer implements AutoCloseable {
    /** How long a wait for the client may take before the test fails: generous, a loaded machine is slow. */
    static final long WAIT_SECONDS = 20;
    enum Fault {
        /** Accept and never read or write: a connect that "succeeds" and then nothing, or a TLS handshake unanswered. */
        SILENT,
        /** Read the request, never answer. */
        NO_ANSWER,
        /** Read the request, then reset the connection (RST). */
        RESET_AFTER_REQUEST,
        /** Read the request, send headers promising 100 bytes and 10 of them, then stall. */
        STALL_BODY
    }

    private final ServerSocket server;
    private final Fault fault;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final Semaphore accepted = new Semaphore(0);
    private final Semaphore requests = new Semaphore(0);
    private final Semaphore closedByClient = new Semaphore(0);
    private final AtomicInteger requestCount = new AtomicInteger();
    private volatile boolean closed;

    RawServer(Fault fault) throws IOException {
        this.fault = fault;
        this.server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::acceptLoop, "raw-server-" + fault.name().toLowerCase(Locale.ROOT));
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return server.getLocalPort();
    }

    String url(String scheme) {
        return scheme + "://127.0.0.1:" + port();
    }

    int requestCount() {
        return requestCount.get();
    }

    /** Waits until {@code n} connections were accepted. */
    void awaitAccepted(int n) throws InterruptedException {
        if (!accepted.tryAcquire(n, WAIT_SECONDS, TimeUnit.SECONDS)) {
            throw new AssertionError("fewer than " + n + " connections within " + WAIT_SECONDS + " s");
        }
    }

    /** Waits until {@code n} requests were read. */
    void awaitRequests(int n) throws InterruptedException {
        if (!requests.tryAcquire(n, WAIT_SECONDS, TimeUnit.SECONDS)) {
            throw new AssertionError("fewer than " + n + " requests within " + WAIT_SECONDS + " s");
        }
    }

    /** Waits until the client closed {@code n} connections. */
    void awaitClosedByClient(int n) throws InterruptedException {
        if (!closedByClient.tryAcquire(n, WAIT_SECONDS, TimeUnit.SECONDS)) {
            throw new AssertionError("the client closed fewer than " + n + " connections within " + WAIT_SECONDS + " s");
        }
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket s = server.accept();
                sockets.add(s);
                accepted.release();
                Thread t = new Thread(() -> serve(s), "raw-server-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try {
            InputStream in = s.getInputStream();
            if (fault == Fault.SILENT) {
                drainUntilClosed(in);
                return;
            }
            readRequest(in);
            requestCount.incrementAndGet();
            requests.release();
            switch (fault) {
                case RESET_AFTER_REQUEST:
                    s.setSoLinger(true, 0);
                    s.close();
                    return;
                case STALL_BODY:
                    OutputStream out = s.getOutputStream();
                    out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n0123456789")
                        .getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    drainUntilClosed(in);
                    return;
                default:
                    drainUntilClosed(in);
            }
        } catch (IOException e) {
            // the client went away
            if (!closed) {
                closedByClient.release();
            }
        }
    }

    /** Reads (and ignores) whatever comes until the client closes the connection. */
    private void drainUntilClosed(InputStream in) throws IOException {
        byte[] buf = new byte[4096];
        while (in.read(buf) >= 0) {
            // keep reading: a TLS ClientHello, or nothing
        }
        if (!closed) {
            closedByClient.release();
        }
    }

    private static void readRequest(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int state = 0;
        while (state < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed before the end of the request headers");
            }
            head.write(b);
            state = (b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
        }
        String headers = head.toString(StandardCharsets.US_ASCII).toLowerCase(Locale.ROOT);
        int i = headers.indexOf("content-length:");
        if (i >= 0) {
            int end = headers.indexOf('\r', i);
            long n = Long.parseLong(headers.substring(i + 15, end).trim());
            for (long k = 0; k < n; k++) {
                if (in.read() < 0) {
                    throw new IOException("closed before the end of the body");
                }
            }
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
    }
}
