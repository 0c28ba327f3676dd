package io.branchline.core.models;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Trust and client certificates for HTTPS through TLS inspection proxies and private CAs. Immutable; start from
 * {@link #builder()}. The passwords are held only to open the stores and never printed.
 *
 * <p><strong>Behind a TLS inspection proxy</strong></p>
 *
 * <!-- src_embed io.branchline.core.models.TlsOptions -->
 * <pre>
 * builder.tls&#40;TlsOptions.builder&#40;&#41;
 *     .trustPem&#40;Path.of&#40;&quot;&#47;etc&#47;ssl&#47;corp-inspection-root.pem&quot;&#41;&#41;   &#47;&#47; the TLS inspection proxy's CA
 *     .includeSystemTrust&#40;true&#41;
 *     .build&#40;&#41;&#41;;
 * </pre>
 * <!-- end io.branchline.core.models.TlsOptions -->
 */
public final class TlsOptions {
    private final Path trustPem;
    private final Path trustStore;
    private final String trustStoreType;
    private final char[] trustStorePassword;
    private final Path clientKeyStore;
    private final char[] clientKeyStorePassword;
    private final boolean includeSystemTrust;

    private TlsOptions(Builder b) {
        this.trustPem = b.trustPem;
        this.trustStore = b.trustStore;
        this.trustStoreType = b.trustStoreType;
        this.trustStorePassword = b.trustStorePassword == null ? null : b.trustStorePassword.clone();
        this.clientKeyStore = b.clientKeyStore;
        this.clientKeyStorePassword = b.clientKeyStorePassword == null ? null : b.clientKeyStorePassword.clone();
        this.includeSystemTrust = b.includeSystemTrust;
    }

    /**
     * Starts new options: the JVM's default trust, no client certificate.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the PEM file of trusted CA certificates, or {@code null} */
    public Path trustPem() {
        return trustPem;
    }

    /** @return the trust store file, or {@code null} */
    public Path trustStore() {
        return trustStore;
    }

    /** @return the trust store type (PKCS12 or JKS) */
    public String trustStoreType() {
        return trustStoreType;
    }

    /** @return a copy of the trust store password, or {@code null} */
    public char[] trustStorePassword() {
        return trustStorePassword == null ? null : trustStorePassword.clone();
    }

    /** @return the PKCS#12 file holding the client certificate and key, or {@code null} */
    public Path clientKeyStore() {
        return clientKeyStore;
    }

    /** @return a copy of the client key store password, or {@code null} */
    public char[] clientKeyStorePassword() {
        return clientKeyStorePassword == null ? null : clientKeyStorePassword.clone();
    }

    /** @return whether the JVM's default trusted CAs stay trusted beside the custom ones */
    public boolean includeSystemTrust() {
        return includeSystemTrust;
    }

    @Override
    public String toString() {
        return "TlsOptions{trustPem=" + trustPem + ", trustStore=" + trustStore + ", clientKeyStore=" + clientKeyStore
            + ", includeSystemTrust=" + includeSystemTrust + '}';
    }

    /**
     * Builds {@link TlsOptions}.
     */
    public static final class Builder {
        private Path trustPem;
        private Path trustStore;
        private String trustStoreType = "PKCS12";
        private char[] trustStorePassword;
        private Path clientKeyStore;
        private char[] clientKeyStorePassword;
        private boolean includeSystemTrust = true;

        private Builder() {
        }

        /**
         * Trusts the CA certificates in a PEM file, such as the TLS inspection proxy's root.
         *
         * @param pemFile a readable PEM file
         * @return this builder
         */
        public Builder trustPem(Path pemFile) {
            this.trustPem = Objects.requireNonNull(pemFile, "pemFile");
            return this;
        }

        /**
         * Trusts the certificates of a key store file.
         *
         * @param storeFile the store
         * @param type {@code PKCS12} or {@code JKS}
         * @param password the store password, or {@code null}
         * @return this builder
         */
        public Builder trustStore(Path storeFile, String type, char[] password) {
            this.trustStore = Objects.requireNonNull(storeFile, "storeFile");
            this.trustStoreType = Objects.requireNonNull(type, "type");
            this.trustStorePassword = password == null ? null : password.clone();
            return this;
        }

        /**
         * Presents a client certificate (mutual TLS) from a PKCS#12 file.
         *
         * @param pkcs12File the file holding the certificate chain and private key
         * @param password its password, or {@code null}
         * @return this builder
         */
        public Builder clientCertificate(Path pkcs12File, char[] password) {
            this.clientKeyStore = Objects.requireNonNull(pkcs12File, "pkcs12File");
            this.clientKeyStorePassword = password == null ? null : password.clone();
            return this;
        }

        /**
         * Sets whether the JVM's default trusted CAs stay trusted beside the custom ones (default {@code true}).
         *
         * @param include {@code false} to trust only the custom certificates
         * @return this builder
         */
        public Builder includeSystemTrust(boolean include) {
            this.includeSystemTrust = include;
            return this;
        }

        /**
         * Builds the options.
         *
         * @return immutable options
         */
        public TlsOptions build() {
            return new TlsOptions(this);
        }
    }
}
