package dev.nereid.metrics;

import dev.nereid.MetricFamily;
import dev.nereid.Server;
import java.lang.management.ManagementFactory;

/**
 * Triton's CPU gauges, registered as custom metric families on the server and refreshed before each
 * scrape: {@code nv_cpu_utilization} (the machine's CPU use, 0 to 1), {@code nv_cpu_memory_total_bytes}
 * and {@code nv_cpu_memory_used_bytes} (the machine's memory).
 */
final class ProcessMetrics {
  private final com.sun.management.OperatingSystemMXBean os;
  private final MetricFamily.Metric utilization;
  private final MetricFamily.Metric memoryTotal;
  private final MetricFamily.Metric memoryUsed;

  ProcessMetrics(Server server) {
    this.os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    this.utilization = server.metricFamily(MetricFamily.Kind.GAUGE, "nv_cpu_utilization",
        "CPU utilization rate [0.0 - 1.0]").metric();
    this.memoryTotal = server.metricFamily(MetricFamily.Kind.GAUGE, "nv_cpu_memory_total_bytes",
        "CPU total memory (RAM), in bytes").metric();
    this.memoryUsed = server.metricFamily(MetricFamily.Kind.GAUGE, "nv_cpu_memory_used_bytes",
        "CPU used memory (RAM), in bytes").metric();
  }

  /** Reads the current values from the operating system. */
  void refresh() {
    double load = os.getCpuLoad();
    if (load >= 0) utilization.set(load); // negative: not available yet
    long total = os.getTotalMemorySize();
    memoryTotal.set(total);
    memoryUsed.set(total - os.getFreeMemorySize());
  }
}
