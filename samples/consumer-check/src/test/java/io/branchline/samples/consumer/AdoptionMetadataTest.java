package io.branchline.samples.consumer;

import io.branchline.core.FunctionClient;
import io.branchline.routing.NearestRegionRouter;
import io.branchline.telemetry.AzureMonitorExporter;
import io.branchline.testkit.RegionSimulator;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a company checks before it adopts a library: a license file, the license and project metadata in every POM
 * it resolves (the parent and the standalone BOM), the license inside every jar, and no repository or distribution
 * URL that would send its builds anywhere but its own repository manager.
 */
class AdoptionMetadataTest {
    private final Path root = Path.of(System.getProperty("branchline.root", "../.."));

    @Test
    void theLicenseFileIsApache2() throws IOException {
        String license = Files.readString(root.resolve("LICENSE"), StandardCharsets.UTF_8);
        assertTrue(license.contains("Apache License") && license.contains("Version 2.0, January 2004"),
            "LICENSE is not the Apache License 2.0 text");
        assertTrue(license.contains("END OF TERMS AND CONDITIONS"), "LICENSE is incomplete");
    }

    @Test
    void theParentAndTheBomDeclareLicenseAndProject() throws Exception {
        for (Path pom : List.of(root.resolve("pom.xml"), root.resolve("bom/pom.xml"))) {
            Element project = project(pom);
            assertEquals("Apache-2.0", text(project, "licenses", "license", "name"), pom + ": <licenses>");
            assertEquals("https://www.apache.org/licenses/LICENSE-2.0.txt", text(project, "licenses", "license", "url"),
                pom + ": license URL");
            assertFalse(text(project, "url").isEmpty(), pom + ": <url>");
            assertFalse(text(project, "scm", "url").isEmpty(), pom + ": <scm><url>");
            assertFalse(text(project, "scm", "connection").isEmpty(), pom + ": <scm><connection>");
            assertFalse(text(project, "developers", "developer", "name").isEmpty(), pom + ": <developers>");
        }
        String bottom = text(project(root.resolve("pom.xml")), "build", "pluginManagement", "plugins");
        assertTrue(bottom.contains("Apache License, Version 2.0"), "the javadoc footer does not name the license");
    }

    @Test
    void noPomNamesARepositoryOrDistributionUrl() throws IOException {
        List<Path> poms;
        try (Stream<Path> walk = Files.walk(root)) {
            poms = walk.filter(p -> p.getFileName().toString().equals("pom.xml"))
                .filter(p -> !p.toString().contains("/target/") && !p.toString().contains("/.git/"))
                .collect(Collectors.toList());
        }
        assertTrue(poms.size() > 5, "POMs not found under " + root);
        for (Path pom : poms) {
            String text = Files.readString(pom, StandardCharsets.UTF_8);
            for (String element : List.of("repositories", "pluginRepositories", "distributionManagement")) {
                assertFalse(text.contains("<" + element + ">"), pom + " declares <" + element + ">");
            }
        }
    }

    @Test
    void everyPublishedJarCarriesTheLicense() throws IOException {
        for (Class<?> type : List.of(FunctionClient.class, NearestRegionRouter.class, AzureMonitorExporter.class,
                RegionSimulator.class)) {
            URL classUrl = type.getResource(type.getSimpleName() + ".class");
            assertNotNull(classUrl, type.getName());
            String base = classUrl.toString();
            base = base.substring(0, base.length() - (type.getName().replace('.', '/') + ".class").length());
            try (InputStream in = new URL(base + "META-INF/LICENSE").openStream()) {
                String license = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(license.contains("Apache License"), base + "META-INF/LICENSE");
            } catch (IOException e) {
                throw new AssertionError("no META-INF/LICENSE next to " + type.getName() + " in " + base, e);
            }
        }
    }

    private static Element project(Path pom) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile()).getDocumentElement();
    }

    /** The text of the first element at this path of direct children, or "" when there is none. */
    private static String text(Element from, String... path) {
        Element e = from;
        for (String name : path) {
            Element next = null;
            for (org.w3c.dom.Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n instanceof Element && ((Element) n).getTagName().equals(name)) {
                    next = (Element) n;
                    break;
                }
            }
            if (next == null) {
                return "";
            }
            e = next;
        }
        return e.getTextContent().trim();
    }
}
