package com.example.branch;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.Collections;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Importing only branchline-bom puts one Netty on the class path: every Netty jar at one version (mixed Netty
 * versions fail at run time with missing classes or methods), and, when the build names it with
 * {@code -Dbranchline.expected.netty.version}, the version Branchline is tested with.
 */
class DependencyAlignmentTest {

    @Test
    void everyNettyJarIsOneVersion() throws IOException {
        Map<String, String> versions = nettyVersions();
        assertFalse(versions.isEmpty(), "no Netty jar found on the class path");
        assertEquals(1, Set.copyOf(versions.values()).size(), "Netty jars at different versions: " + versions);

        String expected = System.getProperty("branchline.expected.netty.version");
        if (expected != null) {
            assertTrue(versions.values().stream().allMatch(expected::equals),
                "Netty on the class path is not the version Branchline is tested with (" + expected + "): " + versions);
        }
    }

    /** Netty's jars each carry META-INF/io.netty.versions.properties with {@code <artifactId>.version} entries. */
    private static Map<String, String> nettyVersions() throws IOException {
        Map<String, String> versions = new TreeMap<>();
        for (URL url : Collections.list(
                DependencyAlignmentTest.class.getClassLoader().getResources("META-INF/io.netty.versions.properties"))) {
            Properties p = new Properties();
            try (InputStream in = url.openStream()) {
                p.load(in);
            }
            for (String key : p.stringPropertyNames()) {
                if (key.endsWith(".version")) {
                    versions.put(key.substring(0, key.length() - ".version".length()), p.getProperty(key));
                }
            }
        }
        return versions;
    }
}
