package dev.nereid.grpc;

import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.ServerChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The front end's own Netty event loops (epoll where available, NIO elsewhere). Calls start on them,
 * and an inference call's response is completed on the loop that owns its connection, so a request
 * costs two thread switches (to the model's instance and back), as on the HTTP front end.
 */
final class EventLoops {
  private final EventLoopGroup group;
  private final ThreadLocal<EventExecutor> ownLoop = ThreadLocal.withInitial(this::find);

  EventLoops(int threads) {
    this.group = new MultiThreadIoEventLoopGroup(threads, Thread.ofPlatform().daemon().name("nereid-grpc-loop-", 0).factory(),
        Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
  }

  EventLoopGroup group() {
    return group;
  }

  Class<? extends ServerChannel> serverChannelType() {
    return Epoll.isAvailable() ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
  }

  /** The loop the calling thread runs, or null when it is not one of these loops' threads. */
  Executor current() {
    return ownLoop.get();
  }

  private EventExecutor find() {
    for (EventExecutor loop : group) {
      if (loop.inEventLoop()) return loop;
    }
    return null;
  }

  void shutdown() {
    group.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly();
  }
}
