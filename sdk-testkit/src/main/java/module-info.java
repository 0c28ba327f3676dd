/**
 * Branchline testkit: a region simulator and a local Azure Monitor ingestion endpoint for tests, demos and
 * benchmarks. Every server listens on 127.0.0.1 only.
 */
module io.branchline.testkit {
    requires io.netty.buffer;
    requires io.netty.codec;
    requires io.netty.codec.http;
    requires io.netty.common;
    requires io.netty.transport;
    requires com.azure.json;
    requires org.slf4j;

    exports io.branchline.testkit;
}
