package io.branchline.samples.consumer;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The BOM is standalone (importing it must not bring Branchline's build settings along), so it repeats the versions
 * of the parent POM that applications need to converge. Each must equal the parent's: an application gets what
 * Branchline was tested with.
 */
class BomVersionsTest {
    private final Path root = Path.of(System.getProperty("branchline.root", "../.."));

    @Test
    void everyVersionTheBomAlignsIsTheOneTheBuildTestsWith() throws Exception {
        Map<String, String> bom = properties(root.resolve("bom/pom.xml"));
        Map<String, String> parent = properties(root.resolve("pom.xml"));
        assertFalse(bom.isEmpty(), "the BOM declares no versions");
        for (Map.Entry<String, String> e : bom.entrySet()) {
            assertEquals(parent.get(e.getKey()), e.getValue(),
                "bom/pom.xml sets " + e.getKey() + " to " + e.getValue() + " but the build tests with "
                    + parent.get(e.getKey()) + " (pom.xml): make them equal");
        }
    }

    private static Map<String, String> properties(Path pom) throws Exception {
        Element project = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile())
            .getDocumentElement();
        Map<String, String> out = new LinkedHashMap<>();
        NodeList children = project.getChildNodes();
        for (int i = 0; i < children.getLength(); i++) {
            Node n = children.item(i);
            if (n instanceof Element && ((Element) n).getTagName().equals("properties")) {
                NodeList props = n.getChildNodes();
                for (int j = 0; j < props.getLength(); j++) {
                    if (props.item(j) instanceof Element) {
                        Element p = (Element) props.item(j);
                        out.put(p.getTagName(), p.getTextContent().trim());
                    }
                }
            }
        }
        return out;
    }
}
