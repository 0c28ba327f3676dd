package io.branchline.core;

import com.azure.core.http.HttpClient;
import com.azure.core.http.ProxyOptions;
import com.azure.core.http.netty.NettyAsyncHttpClientBuilder;
import io.branchline.core.models.TimeoutOptions;
import io.branchline.core.models.TlsOptions;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import reactor.netty.resources.ConnectionProvider;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Collection;

/** Builds the default Netty transport: pooled connections with bounded life, timeouts, proxy and TLS trust. */
final class Transport {
    private Transport() {
    }

    static final class Built {
        final HttpClient client;
        final ConnectionProvider provider;

        Built(HttpClient client, ConnectionProvider provider) {
            this.client = client;
            this.provider = provider;
        }
    }

    static Built create(TimeoutOptions timeouts, ProxyOptions proxy, TlsOptions tls, Duration dnsRefresh) {
        ConnectionProvider provider = ConnectionProvider.builder("branchline")
            .maxConnections(1000)
            .pendingAcquireMaxCount(-1)
            .pendingAcquireTimeout(timeouts.call())
            .maxIdleTime(dnsRefresh)
            .maxLifeTime(dnsRefresh)
            .evictInBackground(dnsRefresh)
            .build();
        reactor.netty.http.client.HttpClient base = reactor.netty.http.client.HttpClient.create(provider);
        if (tls != null) {
            SslContext ssl = sslContext(tls);
            base = base.secure(spec -> spec.sslContext(ssl));
        }
        NettyAsyncHttpClientBuilder b = new NettyAsyncHttpClientBuilder(base)
            .connectTimeout(timeouts.connect())
            .responseTimeout(timeouts.response())
            .readTimeout(timeouts.read())
            .writeTimeout(timeouts.response());
        if (proxy != null) {
            b.proxy(proxy);
        }
        return new Built(b.build(), provider);
    }

    static SslContext sslContext(TlsOptions tls) {
        try {
            SslContextBuilder ssl = SslContextBuilder.forClient();
            if (tls.trustPem() != null || tls.trustStore() != null) {
                KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
                trust.load(null, null);
                int n = 0;
                if (tls.includeSystemTrust()) {
                    TrustManagerFactory def = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                    def.init((KeyStore) null);
                    for (var tm : def.getTrustManagers()) {
                        if (tm instanceof X509TrustManager) {
                            for (X509Certificate c : ((X509TrustManager) tm).getAcceptedIssuers()) {
                                trust.setCertificateEntry("system-" + n++, c);
                            }
                        }
                    }
                }
                if (tls.trustPem() != null) {
                    Collection<? extends Certificate> certs;
                    try (InputStream in = Files.newInputStream(tls.trustPem())) {
                        certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
                    }
                    if (certs.isEmpty()) {
                        throw new IllegalArgumentException("TLS trust PEM file " + tls.trustPem()
                            + " holds no certificate (branchline.tls.trust-pem): expected -----BEGIN CERTIFICATE----- blocks");
                    }
                    for (Certificate c : certs) {
                        trust.setCertificateEntry("pem-" + n++, c);
                    }
                }
                if (tls.trustStore() != null) {
                    KeyStore ks = KeyStore.getInstance(tls.trustStoreType());
                    try (InputStream in = Files.newInputStream(tls.trustStore())) {
                        ks.load(in, tls.trustStorePassword());
                    }
                    for (var aliases = ks.aliases(); aliases.hasMoreElements();) {
                        String alias = aliases.nextElement();
                        Certificate c = ks.getCertificate(alias);
                        if (c != null) {
                            trust.setCertificateEntry("store-" + n++, c);
                        }
                    }
                }
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trust);
                ssl.trustManager(tmf);
            }
            if (tls.clientKeyStore() != null) {
                KeyStore ks = KeyStore.getInstance("PKCS12");
                char[] pw = tls.clientKeyStorePassword();
                try (InputStream in = Files.newInputStream(tls.clientKeyStore())) {
                    ks.load(in, pw);
                }
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(ks, pw == null ? new char[0] : pw);
                ssl.keyManager(kmf);
            }
            return ssl.build();
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("Cannot load the TLS settings (" + tls + "): " + e.getClass().getSimpleName()
                + ": " + Redaction.text(String.valueOf(e.getMessage()))
                + ". Check the file paths, their format (PEM / PKCS12 / JKS) and the passwords", e);
        }
    }
}
