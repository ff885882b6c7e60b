package dev.nereid.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection after its last response without resetting it. Closing a socket that still has
 * unread bytes (the rest of a request that was too large, requests pipelined behind the last answer)
 * makes the kernel send a reset, and a client still writing then sees the reset instead of the response
 * it was sent. So the server half-closes (the client reads the response, then end of stream), reads and
 * discards whatever still arrives, and closes once the client closes its side or goes quiet.
 */
final class LingeringClose extends ChannelInboundHandlerAdapter {
  /** How long the client may stay silent before the connection is closed anyway. */
  private static final long QUIET_NANOS = TimeUnit.SECONDS.toNanos(5);
  /** The longest a connection lingers, however much the client keeps sending. */
  private static final long MAX_NANOS = TimeUnit.SECONDS.toNanos(60);

  private final long started = System.nanoTime();
  private long lastRead = started;

  private LingeringClose() {}

  /**
   * Starts the lingering close of a connection whose last response has been written. Call on the
   * connection's event loop.
   */
  static void start(Channel channel) {
    if (!(channel instanceof SocketChannel socket) || !channel.isActive() || socket.isOutputShutdown()) {
      channel.close();
      return;
    }
    if (channel.pipeline().get(LingeringClose.class) != null) return;
    LingeringClose linger = new LingeringClose();
    // First in the pipeline: nothing after this is a request any more.
    channel.pipeline().addFirst("linger", linger);
    socket.shutdownOutput().addListener(f -> {
      if (!f.isSuccess()) channel.close();
    });
    channel.config().setAutoRead(true);
    channel.read();
    linger.check(channel);
  }

  private void check(Channel channel) {
    if (!channel.isActive()) return;
    long now = System.nanoTime();
    if (now - lastRead >= QUIET_NANOS || now - started >= MAX_NANOS) {
      channel.close();
      return;
    }
    channel.eventLoop().schedule(() -> check(channel), 1, TimeUnit.SECONDS);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    lastRead = System.nanoTime();
    ReferenceCountUtil.release(msg);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    // Swallowed: the handlers after this one serve requests, and there are none any more.
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }
}
