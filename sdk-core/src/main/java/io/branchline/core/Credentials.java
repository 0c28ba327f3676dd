package io.branchline.core;

import com.azure.core.credential.TokenCredential;

import java.util.Locale;

/** Creates azure-identity credentials named by text in configuration; azure-identity is optional. */
final class Credentials {
    private Credentials() {
    }

    static TokenCredential create(String kind, Settings s) {
        String k = kind.trim().toLowerCase(Locale.ROOT); // one of the declared kinds, checked when read
        try {
            Class.forName("com.azure.identity.DefaultAzureCredentialBuilder", false, Credentials.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new IllegalStateException("Setting branchline.credential=" + k + " needs azure-identity on the class"
                + " path: add the dependency com.azure:azure-identity (its version comes with azure-sdk-bom)");
        }
        return IdentityCredentials.create(k, s);
    }
}
