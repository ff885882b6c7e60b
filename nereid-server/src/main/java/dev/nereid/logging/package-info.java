/**
 * Nereid's SLF4J backend for the server and CLI: Triton's log settings ({@code log_info},
 * {@code log_warning}, {@code log_error}, {@code log_verbose_level}, {@code log_format},
 * {@code log_file}), changeable while the server runs through the logging extension
 * ({@code /v2/logging}, gRPC {@code LogSettings}) and set from {@code nereid serve}'s
 * {@code --log-*} options.
 */
package dev.nereid.logging;
