package io.branchline.core;

import com.azure.core.credential.TokenCredential;
import com.azure.identity.AzureCliCredentialBuilder;
import com.azure.identity.ClientCertificateCredentialBuilder;
import com.azure.identity.ClientSecretCredentialBuilder;
import com.azure.identity.DefaultAzureCredentialBuilder;
import com.azure.identity.ManagedIdentityCredentialBuilder;

/** Loaded only when azure-identity is present (see {@link Credentials}). */
final class IdentityCredentials {
    private IdentityCredentials() {
    }

    static TokenCredential create(String kind, Settings s) {
        String clientId = s.get(Settings.CLIENT_ID);
        String tenantId = s.get(Settings.TENANT_ID);
        switch (kind) {
            case "managed-identity": {
                ManagedIdentityCredentialBuilder b = new ManagedIdentityCredentialBuilder();
                if (clientId != null) {
                    b.clientId(clientId);
                }
                return b.build();
            }
            case "client-secret": {
                String secret = s.get(Settings.CLIENT_SECRET);
                require(s, "client-secret", clientId, "branchline.credential.client-id");
                require(s, "client-secret", tenantId, "branchline.credential.tenant-id");
                require(s, "client-secret", secret, "branchline.credential.client-secret");
                return new ClientSecretCredentialBuilder().clientId(clientId).tenantId(tenantId).clientSecret(secret).build();
            }
            case "client-certificate": {
                java.nio.file.Path file = s.get(Settings.CERTIFICATE_PATH);
                require(s, "client-certificate", clientId, "branchline.credential.client-id");
                require(s, "client-certificate", tenantId, "branchline.credential.tenant-id");
                require(s, "client-certificate", file, "branchline.credential.certificate-path");
                String path = s.existing(Settings.CERTIFICATE_PATH, file).toString();
                ClientCertificateCredentialBuilder b = new ClientCertificateCredentialBuilder().clientId(clientId)
                    .tenantId(tenantId);
                String pw = s.get(Settings.CERTIFICATE_PASSWORD);
                if (path.toLowerCase(java.util.Locale.ROOT).endsWith(".pem")) {
                    b.pemCertificate(path);
                } else {
                    b.pfxCertificate(path).clientCertificatePassword(pw);
                }
                return b.build();
            }
            case "azure-cli":
                return new AzureCliCredentialBuilder().build();
            default: {
                DefaultAzureCredentialBuilder b = new DefaultAzureCredentialBuilder();
                if (clientId != null) {
                    b.managedIdentityClientId(clientId);
                }
                if (tenantId != null) {
                    b.tenantId(tenantId);
                }
                return b.build();
            }
        }
    }

    private static void require(Settings s, String kind, Object value, String property) {
        if (value == null) {
            throw new IllegalArgumentException("Setting branchline.credential=" + kind + " needs " + property + " ("
                + Settings.envName(property) + ") to be set");
        }
    }
}
