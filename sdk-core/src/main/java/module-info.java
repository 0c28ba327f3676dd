/**
 * Branchline core: the function client, its options, and the routing and listener SPIs.
 */
module io.branchline.core {
    requires transitive com.azure.core;
    requires com.azure.http.netty;
    requires reactor.netty.http;
    requires reactor.netty.core;
    requires io.netty.handler;
    requires io.netty.codec.http;
    requires io.netty.common;
    requires org.slf4j;
    requires static com.azure.identity;

    exports io.branchline.core;
    exports io.branchline.core.models;
    exports io.branchline.core.spi;

    uses io.branchline.core.spi.ClientExtension;
}
