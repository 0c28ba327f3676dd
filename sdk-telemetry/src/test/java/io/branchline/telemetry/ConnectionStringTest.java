package io.branchline.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ConnectionStringTest {
    private static final String KEY = "11111111-2222-4333-8444-555555555555";

    @Test
    void parsesKeysCaseInsensitivelyAndToleratesUnknownKeys() {
        ConnectionString cs = ConnectionString.parse(" instrumentationkey = " + KEY
            + " ; INGESTIONENDPOINT=https://westeurope-5.in.applicationinsights.azure.com/;"
            + "LiveEndpoint=https://westeurope.livediagnostics.monitor.azure.com/;ApplicationId=abc;;");
        assertEquals(KEY, cs.instrumentationKey());
        assertEquals("https://westeurope-5.in.applicationinsights.azure.com/", cs.ingestionEndpoint());
        assertEquals("https://westeurope-5.in.applicationinsights.azure.com/v2.1/track", cs.trackUrl());
        assertEquals("https://monitor.azure.com//.default", cs.tokenScope());
        assertNull(cs.aadAudience());
    }

    @Test
    void endpointSuffixLocationAudienceAndDefault() {
        assertEquals("https://dc.applicationinsights.azure.cn/",
            ConnectionString.parse("InstrumentationKey=" + KEY + ";EndpointSuffix=applicationinsights.azure.cn")
                .ingestionEndpoint());
        assertEquals("https://westeurope.dc.applicationinsights.azure.cn/",
            ConnectionString.parse("InstrumentationKey=" + KEY + ";EndpointSuffix=applicationinsights.azure.cn;"
                + "Location=westeurope").ingestionEndpoint());
        assertEquals("https://explicit.example/", ConnectionString.parse("InstrumentationKey=" + KEY
            + ";EndpointSuffix=ignored.example;IngestionEndpoint=https://explicit.example").ingestionEndpoint());
        assertEquals(ConnectionString.DEFAULT_INGESTION_ENDPOINT,
            ConnectionString.parse("InstrumentationKey=" + KEY).ingestionEndpoint());
        ConnectionString gov = ConnectionString.parse("InstrumentationKey=" + KEY
            + ";AADAudience=https://monitor.azure.us/");
        assertEquals("https://monitor.azure.us//.default", gov.tokenScope());
    }

    @Test
    void everyMalformedFormHasAClearMessageWithoutTheKey() {
        assertMessage("", "is empty");
        assertMessage("   ", "is empty");
        assertMessage("InstrumentationKey=" + KEY + ";garbage", "segment 2 has no '='");
        assertMessage("=" + KEY, "no key before '='");
        assertMessage("IngestionEndpoint=https://x.example/", "has no InstrumentationKey");
        assertMessage("InstrumentationKey=", "has no InstrumentationKey");
        assertMessage("InstrumentationKey=" + KEY.substring(1) + "x-secretish", "is not a GUID");
        assertMessage("InstrumentationKey=" + KEY + ";IngestionEndpoint=not a url", "IngestionEndpoint 'not a url'");
        assertMessage("InstrumentationKey=" + KEY + ";IngestionEndpoint=ftp://x.example/", "absolute https URL");
        assertMessage("InstrumentationKey=" + KEY + ";IngestionEndpoint=https://x.example/?code=1", "absolute https");
        assertMessage("InstrumentationKey=" + KEY + ";instrumentationKey=" + KEY, "more than once");
        assertMessage("InstrumentationKey=" + KEY + ";AADAudience=nope", "AADAudience");
        assertThrows(NullPointerException.class, () -> ConnectionString.parse(null));
    }

    private static void assertMessage(String input, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConnectionString.parse(input));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertFalse(e.getMessage().contains(KEY), e.getMessage());
        assertFalse(e.getMessage().contains(KEY.substring(1)), e.getMessage());
    }

    @Test
    void toStringIsRedacted() {
        ConnectionString cs = ConnectionString.parse("InstrumentationKey=" + KEY + ";IngestionEndpoint=https://x.example/");
        assertFalse(cs.toString().contains(KEY), cs.toString());
        assertFalse(cs.toString().contains("55555"), cs.toString());
        assertTrue(cs.toString().contains("https://x.example/"));
        assertEquals(cs, ConnectionString.parse("instrumentationKey=" + KEY.toUpperCase() + ";IngestionEndpoint=https://x.example"));
    }

    @Test
    void fromEnvironmentNamesTheVariableWhenUnset() {
        if (System.getenv(ConnectionString.ENVIRONMENT_VARIABLE) == null) {
            IllegalStateException e = assertThrows(IllegalStateException.class, ConnectionString::fromEnvironment);
            assertTrue(e.getMessage().contains(ConnectionString.ENVIRONMENT_VARIABLE));
        } else {
            ConnectionString.fromEnvironment();
        }
    }
}
