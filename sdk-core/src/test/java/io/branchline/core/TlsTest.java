package io.branchline.core;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import io.branchline.core.models.AttemptOutcome;
import io.branchline.core.models.TlsOptions;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static io.branchline.core.Fixtures.assertNoRequest;
import static io.branchline.core.Fixtures.callFails;
import static io.branchline.core.Fixtures.ok;
import static io.branchline.core.Fixtures.take;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** HTTPS against a private CA (TLS inspection), mutual TLS, and Entra ID bearer tokens (which need HTTPS). */
class TlsTest {
    static final HeldCertificate CA = new HeldCertificate.Builder().certificateAuthority(0).commonName("Branch CA").build();
    static final HeldCertificate SERVER = new HeldCertificate.Builder().commonName("localhost")
        .addSubjectAlternativeName("localhost").signedBy(CA).build();
    static final HandshakeCertificates SERVER_CERTS = new HandshakeCertificates.Builder()
        .heldCertificate(SERVER, CA.certificate()).addTrustedCertificate(CA.certificate()).build();

    @StartStop
    final MockWebServer we = new MockWebServer();
    @StartStop
    final MockWebServer ne = new MockWebServer();

    @TempDir
    Path dir;

    @BeforeEach
    void https() {
        we.useHttps(SERVER_CERTS.sslSocketFactory());
        ne.useHttps(SERVER_CERTS.sslSocketFactory());
    }

    static Region https(String name, MockWebServer server) {
        return Region.builder(name, "https://localhost:" + server.getPort()).functionKey("key-" + name).build();
    }

    static FunctionClientBuilder builder() {
        return new FunctionClientBuilder().configuration(com.azure.core.util.Configuration.NONE);
    }

    Path caPem() throws Exception {
        Path pem = dir.resolve("ca.pem");
        Files.writeString(pem, CA.certificatePem());
        return pem;
    }

    static Path pkcs12(Path file, String password, KeyStoreFiller filler) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        filler.fill(ks);
        try (OutputStream out = Files.newOutputStream(file)) {
            ks.store(out, password.toCharArray());
        }
        return file;
    }

    interface KeyStoreFiller {
        void fill(KeyStore ks) throws Exception;
    }

    @Test
    void trustsAPrivateCaFromAPemFile() throws Exception {
        we.enqueue(ok("{}"));
        try (FunctionClient client = builder().region(https("we", we))
                .tls(TlsOptions.builder().trustPem(caPem()).build()).buildClient()) {
            assertEquals(200, client.invoke(FunctionRequest.get("/api/x").build()).statusCode());
            RecordedRequest req = take(we);
            assertEquals("key-we", req.getHeaders().get("x-functions-key"));
            assertTrue(req.getHandshake() != null, "the request came over TLS");
        }
    }

    @Test
    void trustsAPrivateCaFromAPkcs12TrustStoreWithoutSystemTrust() throws Exception {
        Path store = pkcs12(dir.resolve("trust.p12"), "changeit", ks -> ks.setCertificateEntry("ca", CA.certificate()));
        we.enqueue(ok("{}"));
        try (FunctionClient client = builder().region(https("we", we)).tls(TlsOptions.builder()
                .trustStore(store, "PKCS12", "changeit".toCharArray()).includeSystemTrust(false).build()).buildClient()) {
            assertEquals(200, client.invoke(FunctionRequest.get("/api/x").build()).statusCode());
        }
    }

    @Test
    void refusesAnUntrustedServerAsConnectFailedAndStillFailsAPostOver() throws Exception {
        // "we" presents a certificate the client does not trust; "ne" is plain HTTP and reachable.
        MockWebServer plain = new MockWebServer();
        plain.start();
        try {
            plain.enqueue(ok("{}"));
            try (FunctionClient client = builder().allowPlainHttp(true).region(https("we", we))
                    .region(Fixtures.region("ne", plain)).buildClient()) {
                FunctionResponse r = client.invoke(FunctionRequest.post("/api/orders").body("{}").build());
                assertEquals("ne", r.region().name());
                assertEquals(AttemptOutcome.CONNECT_FAILED, r.attempts().get(0).outcome());
                assertEquals("{}", take(plain).getBody().utf8());
            }
            try (FunctionClient client = builder().region(https("we", we)).buildClient()) {
                FunctionCallException e = callFails(() -> client.invoke(FunctionRequest.get("/api/x").build()));
                assertEquals(AttemptOutcome.CONNECT_FAILED, e.attempts().get(0).outcome());
                assertTrue(e.getMessage().contains("we: CONNECT_FAILED"), e.getMessage());
            }
            assertNoRequest(we);
        } finally {
            plain.close();
        }
    }

    @Test
    void refusesACertificateForAnotherHostEvenFromATrustedCa() throws Exception {
        HeldCertificate other = new HeldCertificate.Builder().commonName("other.example")
            .addSubjectAlternativeName("other.example").signedBy(CA).build();
        ne.useHttps(new HandshakeCertificates.Builder().heldCertificate(other, CA.certificate()).build().sslSocketFactory());
        try (FunctionClient client = builder().region(https("ne", ne))
                .tls(TlsOptions.builder().trustPem(caPem()).build()).buildClient()) {
            FunctionCallException e = callFails(() -> client.invoke(FunctionRequest.get("/api/x").build()));
            assertEquals(AttemptOutcome.CONNECT_FAILED, e.attempts().get(0).outcome());
        }
        assertNoRequest(ne);
    }

    @Test
    void presentsAClientCertificateForMutualTls() throws Exception {
        HeldCertificate clientCert = new HeldCertificate.Builder().commonName("branch-042").signedBy(CA).build();
        Path p12 = pkcs12(dir.resolve("client.p12"), "secret-pw", ks -> ks.setKeyEntry("client",
            clientCert.keyPair().getPrivate(), "secret-pw".toCharArray(),
            new Certificate[] {clientCert.certificate(), CA.certificate()}));
        we.requireClientAuth();
        we.enqueue(ok("{}"));
        try (FunctionClient client = builder().region(https("we", we)).tls(TlsOptions.builder().trustPem(caPem())
                .clientCertificate(p12, "secret-pw".toCharArray()).build()).buildClient()) {
            assertEquals(200, client.invoke(FunctionRequest.get("/api/x").build()).statusCode());
            RecordedRequest req = take(we);
            assertTrue(req.getHandshake().peerPrincipal().getName().contains("branch-042"),
                String.valueOf(req.getHandshake().peerPrincipal()));
        }
    }

    @Test
    void badTlsFilesFailAtBuildNamingTheFix() throws Exception {
        Path empty = Files.writeString(dir.resolve("empty.pem"), "not a certificate");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> builder().region(https("we", we))
            .tls(TlsOptions.builder().trustPem(empty).build()).buildClient());
        assertTrue(e.getMessage().contains("PEM"), e.getMessage());
        Path store = pkcs12(dir.resolve("t.p12"), "right-pw", ks -> ks.setCertificateEntry("ca", CA.certificate()));
        IllegalStateException wrong = assertThrows(IllegalStateException.class, () -> builder().region(https("we", we))
            .tls(TlsOptions.builder().trustStore(store, "PKCS12", "wrong-pw".toCharArray()).build()).buildClient());
        assertTrue(wrong.getMessage().contains("password"), wrong.getMessage());
        assertTrue(!wrong.getMessage().contains("wrong-pw") && !wrong.toString().contains("right-pw"));
        assertTrue(!TlsOptions.builder().trustStore(store, "PKCS12", "wrong-pw".toCharArray()).build().toString()
            .contains("wrong-pw"));
    }

    /** Counts getToken calls; each token lives for {@code lifetimeSeconds} (negative: already expired). */
    static final class FakeCredential implements TokenCredential {
        final AtomicInteger calls = new AtomicInteger();
        final List<String> scopes = new java.util.concurrent.CopyOnWriteArrayList<>();
        private final long lifetimeSeconds;

        FakeCredential(long lifetimeSeconds) {
            this.lifetimeSeconds = lifetimeSeconds;
        }

        @Override
        public Mono<AccessToken> getToken(TokenRequestContext request) {
            return Mono.fromSupplier(() -> {
                scopes.addAll(request.getScopes());
                return new AccessToken("tok-" + calls.incrementAndGet(),
                    OffsetDateTime.now().plusSeconds(lifetimeSeconds));
            });
        }
    }

    @Test
    void sendsABearerTokenAndCachesIt() throws Exception {
        FakeCredential credential = new FakeCredential(3600);
        we.enqueue(ok("{}"));
        we.enqueue(ok("{}"));
        try (FunctionClient client = builder().region(https("we", we)).tls(TlsOptions.builder().trustPem(caPem()).build())
                .credential(credential).scope("api://orders/.default").buildClient()) {
            client.invoke(FunctionRequest.get("/api/x").build());
            client.invoke(FunctionRequest.get("/api/x").build());
            assertEquals("Bearer tok-1", take(we).getHeaders().get("Authorization"));
            assertEquals("Bearer tok-1", take(we).getHeaders().get("Authorization"));
            assertEquals(1, credential.calls.get(), "the token is cached across calls");
            assertEquals(List.of("api://orders/.default"), credential.scopes);
        }
    }

    @Test
    void refreshesAnExpiredToken() throws Exception {
        FakeCredential credential = new FakeCredential(-1);
        we.enqueue(ok("{}"));
        we.enqueue(ok("{}"));
        try (FunctionClient client = builder().region(https("we", we)).tls(TlsOptions.builder().trustPem(caPem()).build())
                .credential(credential).scope("api://orders/.default").buildClient()) {
            client.invoke(FunctionRequest.get("/api/x").build());
            client.invoke(FunctionRequest.get("/api/x").build());
            String first = take(we).getHeaders().get("Authorization");
            String second = take(we).getHeaders().get("Authorization");
            assertEquals("Bearer tok-1", first);
            assertNotEquals(first, second);
            assertEquals(2, credential.calls.get());
        }
    }

    @Test
    void aCredentialFailureFailsTheCallClearly() throws Exception {
        TokenCredential broken = request -> Mono.error(new IllegalStateException("no managed identity endpoint"));
        try (FunctionClient client = builder().region(https("we", we)).tls(TlsOptions.builder().trustPem(caPem()).build())
                .credential(broken).scope("api://orders/.default").buildClient()) {
            FunctionCallException e = callFails(() -> client.invoke(FunctionRequest.get("/api/x").build()));
            assertTrue(e.getMessage().contains("no managed identity endpoint"), e.getMessage());
        }
        assertNoRequest(we);
    }
}
