/**
 * What the status page ({@code GET /} on the HTTP port) shows beyond the server's statistics: request
 * latency distributions per model, recorded by the front ends.
 */
package dev.nereid.status;
