package dev.nereid.frontend;

import dev.nereid.NereidException;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A TCP listener on Netty's NIO transport: one acceptor thread, a group of event-loop threads for the
 * connections, every open connection tracked so it can be closed, and an orderly shutdown. The HTTP
 * and metrics front ends each own one.
 */
public final class NettyListener implements AutoCloseable {
  private final EventLoopGroup acceptor;
  private final EventLoopGroup workers;
  private final Channel serverChannel;
  private final ChannelGroup connections;

  private NettyListener(EventLoopGroup acceptor, EventLoopGroup workers, Channel serverChannel, ChannelGroup connections) {
    this.acceptor = acceptor;
    this.workers = workers;
    this.serverChannel = serverChannel;
    this.connections = connections;
  }

  /**
   * Binds a listener.
   *
   * @param name names the threads ({@code nereid-<name>-...})
   * @param port the port, or 0 for a free one
   * @param threads event-loop threads serving connections
   * @param pipeline sets up each accepted connection's pipeline
   * @throws NereidException.Unavailable when the address cannot be bound (port in use, bad address)
   */
  public static NettyListener bind(String name, String address, int port, int threads, Consumer<SocketChannel> pipeline) {
    EventLoopGroup acceptor = new MultiThreadIoEventLoopGroup(1,
        new DefaultThreadFactory("nereid-" + name + "-accept", true), NioIoHandler.newFactory());
    EventLoopGroup workers = new MultiThreadIoEventLoopGroup(threads,
        new DefaultThreadFactory("nereid-" + name, true), NioIoHandler.newFactory());
    ChannelGroup connections = new DefaultChannelGroup(name, GlobalEventExecutor.INSTANCE);
    try {
      Channel channel = new ServerBootstrap()
          .group(acceptor, workers)
          .channel(NioServerSocketChannel.class)
          .option(ChannelOption.SO_BACKLOG, 1024)
          .childOption(ChannelOption.TCP_NODELAY, true)
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              connections.add(ch);
              pipeline.accept(ch);
            }
          })
          .bind(address, port).syncUninterruptibly().channel();
      return new NettyListener(acceptor, workers, channel, connections);
    } catch (RuntimeException e) {
      acceptor.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      workers.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      throw new NereidException.Unavailable("Socket '" + address + ":" + port + "' cannot be bound: " + e.getMessage(), e);
    }
  }

  /** The bound port: the real one when 0 was asked for. */
  public int port() {
    return ((InetSocketAddress) serverChannel.localAddress()).getPort();
  }

  /** The bound address and port. */
  public InetSocketAddress localAddress() {
    return (InetSocketAddress) serverChannel.localAddress();
  }

  /** The open connections; a closed connection leaves the group by itself. */
  public ChannelGroup connections() {
    return connections;
  }

  /** Stops accepting connections; open connections stay open. */
  public void stopAccepting() {
    serverChannel.close().syncUninterruptibly();
  }

  /** Stops accepting, closes every connection at once, and stops the event-loop threads. */
  @Override
  public void close() {
    stopAccepting();
    connections.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    acceptor.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }
}
