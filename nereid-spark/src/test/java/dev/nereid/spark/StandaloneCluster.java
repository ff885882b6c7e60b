package dev.nereid.spark;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Spark standalone cluster on loopback, started as real processes: a master and workers, each its own
 * JVM, on this test's class path. Workers launch executors as JVMs of their own, with the class path
 * given to the application as {@code spark.executor.extraClassPath}.
 */
final class StandaloneCluster implements AutoCloseable {
  private static final Pattern MASTER_URL = Pattern.compile("Starting Spark master at (spark://\\S+)");
  private static final Pattern REGISTERED = Pattern.compile("Successfully registered with master");

  private final Path home;
  private final List<Process> processes = new ArrayList<>();
  private final List<Path> logs = new ArrayList<>();
  private final List<Process> workers = new ArrayList<>();
  private String masterUrl;

  StandaloneCluster(Path directory, int workers, int workerMemoryMb) throws IOException, InterruptedException {
    // Workers build executor command lines from SPARK_HOME: an empty jars/ folder satisfies them, and
    // the real class path comes from spark.executor.extraClassPath.
    home = Files.createDirectories(directory.resolve("spark-home"));
    Files.createDirectories(home.resolve("jars"));
    try {
      Process master = start("master", List.of("org.apache.spark.deploy.master.Master",
          "--host", "127.0.0.1", "--port", "0", "--webui-port", "0", "--properties-file",
          write(home.resolve("master.conf"), "spark.master.rest.enabled false\n").toString()));
      masterUrl = await(master, MASTER_URL, "master").group(1);
      List<Process> started = new ArrayList<>();
      for (int i = 0; i < workers; i++) {
        Path work = Files.createDirectories(directory.resolve("worker-" + i));
        started.add(start("worker-" + i, List.of("org.apache.spark.deploy.worker.Worker",
            "--host", "127.0.0.1", "--port", "0", "--webui-port", "0", "--cores", "1",
            "--memory", workerMemoryMb + "m", "--work-dir", work.toString(), masterUrl)));
      }
      for (int i = 0; i < workers; i++) {
        await(started.get(i), REGISTERED, "worker-" + i);
      }
      this.workers.addAll(started);
    } catch (IOException | InterruptedException | RuntimeException e) {
      close();
      throw e;
    }
  }

  private static Path write(Path file, String text) throws IOException {
    return Files.writeString(file, text);
  }

  String masterUrl() {
    return masterUrl;
  }

  /** The class path of this JVM, as the cluster's JVMs and executors get it. */
  static String classPath() {
    String surefire = System.getProperty("surefire.test.class.path");
    return surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
  }

  /** This JVM's --add-opens flags, which Spark's JVMs need on JDK 17 and later. */
  static List<String> moduleOptions() {
    List<String> options = new ArrayList<>();
    for (String argument : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (argument.startsWith("--add-opens") || argument.startsWith("-Djdk.reflect") || argument.startsWith("-Dio.netty")) {
        options.add(argument);
      }
    }
    return options;
  }

  private Process start(String name, List<String> mainAndArguments) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx256m");
    command.addAll(moduleOptions());
    command.add("-cp");
    command.add(classPath());
    command.addAll(mainAndArguments);
    Path log = home.resolve(name + ".log");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("SPARK_HOME", home.toString());
    builder.environment().put("SPARK_SCALA_VERSION", "2.13");
    builder.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    builder.environment().put("SPARK_LOCAL_DIRS", home.resolve(name + "-local").toString());
    Process process = builder.start();
    processes.add(process);
    logs.add(log);
    // Copy the output to a file while it runs, so a failing test can show it.
    // (A thread of its own each: the common pool has one thread on two cores, and each copy blocks.)
    Thread.ofPlatform().daemon().name(name + "-log").start(() -> {
      try (var in = process.getInputStream()) {
        Files.copy(in, log);
      } catch (IOException ignored) {
        // the process is gone
      }
    });
    return process;
  }

  private Matcher await(Process process, Pattern pattern, String name) throws IOException, InterruptedException {
    Path log = logs.get(processes.indexOf(process));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      if (Files.exists(log)) {
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
          Matcher matcher = pattern.matcher(line);
          if (matcher.find()) {
            return matcher;
          }
        }
      }
      if (!process.isAlive()) {
        throw new IllegalStateException(name + " exited with " + process.exitValue() + ":\n" + read(log));
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException(name + " did not start within 120 s:\n" + read(log));
  }

  /** The executor JVMs running now: the workers' child processes. */
  List<ProcessHandle> executors() {
    List<ProcessHandle> executors = new ArrayList<>();
    for (Process worker : workers) {
      worker.children().filter(ProcessHandle::isAlive).forEach(executors::add);
    }
    return executors;
  }

  String logs() {
    StringBuilder all = new StringBuilder();
    for (Path log : logs) {
      all.append("==== ").append(log.getFileName()).append('\n').append(read(log));
    }
    return all.toString();
  }

  private static String read(Path log) {
    try {
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      return e.toString();
    }
  }

  @Override
  public void close() throws InterruptedException {
    for (int i = processes.size() - 1; i >= 0; i--) {
      Process process = processes.get(i);
      process.descendants().forEach(ProcessHandle::destroy);
      process.destroy();
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }
}
