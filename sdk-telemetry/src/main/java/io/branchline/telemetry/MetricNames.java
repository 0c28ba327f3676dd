package io.branchline.telemetry;

/**
 * The names and tag keys of every meter Branchline registers, in one place. Names are dotted and lowercase; each
 * registry renames them to its own convention. Tags are low-cardinality: region names, route templates, outcomes
 * and status classes, never URLs, ids or keys.
 */
public final class MetricNames {
    /**
     * Timer of whole calls. Tags: {@code client}, {@code region}, {@code function}, {@code method}, {@code outcome},
     * {@code status}.
     */
    public static final String CALLS = "branchline.calls";
    /** Counter of attempts. Tags: {@code region}, {@code outcome} (the attempt outcome, lowercase). */
    public static final String ATTEMPTS = "branchline.attempts";
    /** Counter of failovers. Tags: {@code from}, {@code to}. */
    public static final String FAILOVERS = "branchline.failovers";
    /** Counter of hedged attempts. Tags: {@code from} (the region still in flight), {@code to} (the hedge's region). */
    public static final String HEDGES = "branchline.hedges";
    /** Gauge of the region's latency estimate, in seconds (base unit). Tag: {@code region}. */
    public static final String REGION_LATENCY = "branchline.region.latency";
    /** Gauge of the region's health: 1 healthy, 0 unknown, -1 unhealthy. Tag: {@code region}. */
    public static final String REGION_HEALTH = "branchline.region.health";
    /** Counter of health probes by region, outcome and status class: {@value}. */
    public static final String PROBES = "branchline.probes";
    /** Counter of region health changes. Tags: {@code region}, {@code health} (the new health, lowercase). */
    public static final String REGION_HEALTH_CHANGES = "branchline.region.health.changes";
    /** Gauge of the region's circuit breaker: 0 closed, 1 open, 2 half-open, -1 none. Tag: {@code region}. */
    public static final String BREAKER_STATE = "branchline.breaker.state";
    /**
     * Gauge of the branch's own link to Azure: 1 when the router believes it is down (every region refused
     * connections at once), else 0; also sent to Azure Monitor as a periodic metric item, beside the
     * {@code branchline.link.down} / {@code branchline.link.up} events.
     */
    public static final String BRANCH_LINK_DOWN = "branchline.branch.link.down";
    /**
     * Counter of calls answered from the stale-if-error cache because every region failed. Tags: {@code function},
     * {@code method}, {@code outcome} (the failure's outcome).
     */
    public static final String STALE_SERVED = "branchline.stale.served";
    /** Counter of breaker transitions. Tags: {@code region}, {@code state} (the new state, lowercase). */
    public static final String BREAKER_TRANSITIONS = "branchline.breaker.transitions";
    /**
     * Counter of telemetry items handled by the Azure Monitor exporter. Tags: {@code result} (one of
     * {@code sent}, {@code accepted}, {@code retried}, {@code spooled}, {@code dropped}) and {@code reason}
     * ({@code none}, or why an item was dropped, such as {@code queue_full} or {@code quota}).
     */
    public static final String TELEMETRY_ITEMS = "branchline.telemetry.items";
    /** Items the exporter dropped since it started (all reasons), sent as a periodic metric item: {@value}. */
    public static final String TELEMETRY_DROPPED = "branchline.telemetry.dropped";
    /** Gauge of the exporter's in-memory queue length. */
    public static final String TELEMETRY_QUEUE = "branchline.telemetry.queue";
    /** Gauge of the bytes held in the exporter's disk spool. */
    public static final String TELEMETRY_SPOOL_BYTES = "branchline.telemetry.spool.bytes";

    /** Tag key: the name of the client, given when the metrics were created; on every Branchline meter. */
    public static final String TAG_CLIENT = "client";
    /** Tag key: the region's name. */
    public static final String TAG_REGION = "region";
    /** Tag key: the function's route template, such as {@code /api/orders/{id}}, or {@code UNKNOWN}. */
    public static final String TAG_FUNCTION = "function";
    /** Tag key: the HTTP method. */
    public static final String TAG_METHOD = "method";
    /**
     * Tag key: for calls, Micrometer's HTTP client outcome ({@code SUCCESS}, {@code CLIENT_ERROR},
     * {@code SERVER_ERROR}, {@code REDIRECTION}, {@code INFORMATIONAL} or {@code UNKNOWN}); for attempts and probes,
     * the attempt outcome, lowercase.
     */
    public static final String TAG_OUTCOME = "outcome";
    /** Tag key: the status class, {@code 2xx}, {@code 4xx}, {@code 5xx} or {@code none}. */
    public static final String TAG_STATUS = "status";
    /** Tag key: the region a failover or hedge left. */
    public static final String TAG_FROM = "from";
    /** Tag key: the region a failover or hedge went to. */
    public static final String TAG_TO = "to";
    /** Tag key: the new health of a region. */
    public static final String TAG_HEALTH = "health";
    /** Tag key: the new state of a breaker. */
    public static final String TAG_STATE = "state";
    /** Tag key: what happened to telemetry items. */
    public static final String TAG_RESULT = "result";
    /** Tag key: why telemetry items were dropped, or {@code none}. */
    public static final String TAG_REASON = "reason";

    private MetricNames() {
    }

    /**
     * The status class of an HTTP status.
     *
     * @param status an HTTP status, or 0 when no answer came
     * @return {@code 2xx}, {@code 3xx}, {@code 4xx}, {@code 5xx} or {@code none}
     */
    static String statusClass(int status) {
        if (status < 100 || status > 599) {
            return "none";
        }
        return (status / 100) + "xx";
    }
}
