package dev.nereid.http;

import dev.nereid.ModelIndexEntry;
import dev.nereid.Server;
import dev.nereid.frontend.ApiCategory;
import dev.nereid.frontend.RestrictedApis;
import dev.nereid.status.LatencyHistograms;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

/**
 * {@code GET /}: a page listing every model version the repository index knows, with its state and
 * reason (rendered here, so it reads without JavaScript), and live counters that a script refreshes
 * from the JSON API every two seconds ({@code status-page.js}): requests per second, p50/p99 latency
 * ({@code GET /status/latency}), mean queue time and failures. Load and unload buttons call the
 * repository API; when that API is restricted they are shown disabled, naming the header it needs.
 */
final class StatusPage {
  private static final String SCRIPT = resource("status-page.js");

  private final Server server;
  private final LatencyHistograms latency;
  private final Optional<RestrictedApis.Restriction> repositoryRestriction;

  StatusPage(Server server, LatencyHistograms latency, RestrictedApis restricted) {
    this.server = server;
    this.latency = latency;
    this.repositoryRestriction = restricted.get(ApiCategory.MODEL_REPOSITORY);
  }

  void handle(Exchange exchange, Route route) {
    if (route.kind() == Route.Kind.STATUS_LATENCY) {
      latencyJson(exchange);
    } else {
      page(exchange);
    }
  }

  private void page(Exchange exchange) {
    StringBuilder html = new StringBuilder(8192);
    html.append("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Nereid status</title>\n<style>")
        .append("body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}")
        .append("th,td{padding:.35em .8em;border-bottom:1px solid #ddd;text-align:left}td.n{text-align:right;")
        .append("font-variant-numeric:tabular-nums}.READY{color:#16794a}.UNAVAILABLE{color:#b3261e}")
        .append("#note{margin:1em 0;color:#555}</style></head>\n<body data-max-latency-ms=\"")
        .append(String.format(java.util.Locale.ROOT, "%.0f",
            LatencyHistograms.upperBoundNanos(LatencyHistograms.BUCKETS - 2) / 1e6)).append("\">\n")
        .append("<h1>Nereid</h1>\n<p>").append(escape(server.metadata().name())).append(' ')
        .append(escape(server.metadata().version())).append(" &middot; live: ").append(server.live())
        .append(" &middot; ready: ").append(server.ready()).append("</p>\n");
    String disabled = repositoryRestriction.map(r -> " disabled title=\"the model repository API needs the header "
        + escape(r.header()) + "\"").orElse("");
    repositoryRestriction.ifPresent(r -> html.append("<p id=\"restricted\">Load and unload are restricted: the model ")
        .append("repository API needs the header <code>").append(escape(r.header())).append("</code>.</p>\n"));
    html.append("<table id=\"models\"><thead><tr><th>Model</th><th>Version</th><th>State</th><th>Reason</th>")
        .append("<th>Requests/s</th><th>p50 ms</th><th>p99 ms</th><th>Queue ms</th><th>Requests</th><th>Failures</th>")
        .append("<th></th></tr></thead>\n<tbody>\n");
    for (ModelIndexEntry e : server.models().values()) {
      String version = e.version() < 0 ? "" : Long.toString(e.version());
      String name = escape(e.name());
      html.append("<tr data-model=\"").append(name).append("\" data-version=\"").append(version).append("\">")
          .append("<td>").append(name).append("</td><td>").append(version).append("</td>")
          .append("<td data-field=\"state\" class=\"").append(e.state()).append("\">").append(e.state()).append("</td>")
          .append("<td data-field=\"reason\">").append(escape(e.reason())).append("</td>")
          .append("<td class=\"n\" data-field=\"rps\">–</td><td class=\"n\" data-field=\"p50\">–</td>")
          .append("<td class=\"n\" data-field=\"p99\">–</td><td class=\"n\" data-field=\"queue\">–</td>")
          .append("<td class=\"n\" data-field=\"total\">–</td><td class=\"n\" data-field=\"failures\">–</td>")
          .append("<td><button data-action=\"load\" data-model=\"").append(name).append('"').append(disabled)
          .append(">Load</button> <button data-action=\"unload\" data-model=\"").append(name).append('"')
          .append(disabled).append(">Unload</button></td></tr>\n");
    }
    html.append("</tbody></table>\n<p id=\"note\"></p>\n<script>\n").append(SCRIPT).append("</script>\n</body></html>\n");
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
        Unpooled.copiedBuffer(html, StandardCharsets.UTF_8));
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/html; charset=utf-8");
    response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
    exchange.send(response);
  }

  private void latencyJson(Exchange exchange) {
    Map<String, long[]> snapshot = latency.snapshot();
    exchange.sendJson(HttpResponseStatus.OK, Json.write(exchange.alloc(), g -> {
      g.writeStartObject();
      g.writeArrayFieldStart("bounds_us");
      for (int i = 0; i < LatencyHistograms.BUCKETS; i++) {
        double bound = LatencyHistograms.upperBoundNanos(i) / 1000;
        if (Double.isInfinite(bound)) g.writeNull(); else g.writeNumber(Math.round(bound * 1000) / 1000.0);
      }
      g.writeEndArray();
      g.writeObjectFieldStart("models");
      for (Map.Entry<String, long[]> e : snapshot.entrySet()) {
        g.writeArrayFieldStart(e.getKey());
        for (long c : e.getValue()) g.writeNumber(c);
        g.writeEndArray();
      }
      g.writeEndObject();
      g.writeEndObject();
    }));
  }

  static String escape(String text) {
    StringBuilder b = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }

  private static String resource(String name) {
    try (InputStream in = StatusPage.class.getResourceAsStream(name)) {
      if (in == null) throw new IllegalStateException("missing resource " + name);
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
