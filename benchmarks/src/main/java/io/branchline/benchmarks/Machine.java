package io.branchline.benchmarks;

import java.lang.management.ManagementFactory;

/** One line describing where the numbers were measured. */
final class Machine {
    private Machine() {
    }

    static String loadAverage() {
        return String.format("%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }

    static String describe() {
        Runtime rt = Runtime.getRuntime();
        return rt.availableProcessors() + " cores, " + System.getProperty("java.vm.name") + " "
            + System.getProperty("java.runtime.version") + ", " + System.getProperty("os.name") + " "
            + System.getProperty("os.version") + " (" + System.getProperty("os.arch") + "), max heap "
            + rt.maxMemory() / (1024 * 1024) + " MiB, load average "
            + String.format("%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }
}
