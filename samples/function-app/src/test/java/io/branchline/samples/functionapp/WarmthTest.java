package io.branchline.samples.functionapp;

import com.microsoft.azure.functions.HttpMethod;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WarmthTest {
    /** A clock the test moves. */
    private static final class ManualClock extends Clock {
        private Instant now = Instant.parse("2030-01-01T08:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void anInstanceIsColdForItsFirstCallsThenWarm() {
        Warmth w = new Warmth(new ManualClock());
        for (int i = 0; i < Warmth.WARM_AFTER_CALLS; i++) {
            assertTrue(w.callServed(), "call " + i);
        }
        assertFalse(w.callServed());
        assertFalse(w.isCold());
    }

    @Test
    void anInstanceIsWarmAfterAMinuteWhateverItServed() {
        ManualClock clock = new ManualClock();
        Warmth w = new Warmth(clock);
        assertTrue(w.isCold());
        clock.advance(Duration.ofSeconds(60));
        assertFalse(w.isCold());
    }

    @Test
    void theHealthFunctionMarksItsAnswerWhileTheInstanceIsCold() {
        ManualClock clock = new ManualClock();
        Warmth w = new Warmth(clock);
        Readiness ready = new Readiness(Duration.ZERO, clock).register("always", () -> { });
        HealthFunction health = new HealthFunction("westeurope", ready, w);
        assertEquals("1", health.health(new FakeRequest(HttpMethod.GET, null), FakeRequest.context())
            .getHeader(Warmth.HEADER));
        clock.advance(Duration.ofMinutes(1));
        assertNull(health.health(new FakeRequest(HttpMethod.GET, null), FakeRequest.context())
            .getHeader(Warmth.HEADER));
    }
}
