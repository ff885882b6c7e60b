/** The Prometheus metrics endpoint: {@link dev.nereid.metrics.MetricsFrontend} serves {@code GET /metrics}. */
package dev.nereid.metrics;
