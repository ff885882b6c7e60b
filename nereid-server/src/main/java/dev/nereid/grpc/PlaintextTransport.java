package dev.nereid.grpc;

import io.grpc.ServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.shaded.io.grpc.netty.InternalNettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.InternalNettyServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiators;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.handler.codec.ByteToMessageDecoder;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Settings;
import io.grpc.netty.shaded.io.netty.util.AsciiString;

/**
 * The gRPC front end's plaintext HTTP/2, set up for messages of many megabytes: network reads are
 * composed instead of merged, and each side accepts frames of up to {@link #MAX_FRAME_SIZE}.
 *
 * <p>Netty's default cumulator copies every read that does not end on a frame boundary into one
 * growing buffer. While grpc-java's deframer still holds slices of the old buffer (it holds every DATA
 * frame until a message is complete), the copy goes into a fresh buffer each time: a 64 MiB message is
 * copied once more on arrival. Composing the reads leaves the frames as slices of the reads' own
 * buffers. The one copy that remains is the reader's, into the request's contiguous tensor memory.
 *
 * <p>HTTP/2's default largest frame is 16 KiB, and grpc-java offers no option to raise it. A 64 MiB
 * message then arrives in 4,096 DATA frames, and each frame costs the receiver a slice, flow-control
 * bookkeeping and a release. Accepting 1 MiB frames cut the server's CPU per 64 MiB round trip by a
 * fifth (docs/benchmarks.md). The peer learns the new limit from a second SETTINGS frame, sent once
 * grpc's handler is in place.
 *
 * <p>grpc-java has no public hook for either setting, so this goes through its {@code Internal*}
 * negotiator API, pinned with the grpc-java version.
 */
public final class PlaintextTransport implements InternalProtocolNegotiator.ProtocolNegotiator {
  /** The largest HTTP/2 frame this side accepts (HTTP/2 allows up to 16 MiB - 1; the default is 16 KiB). */
  static final int MAX_FRAME_SIZE = 1 << 20;

  private final InternalProtocolNegotiator.ProtocolNegotiator plaintext;

  private PlaintextTransport(InternalProtocolNegotiator.ProtocolNegotiator plaintext) {
    this.plaintext = plaintext;
  }

  /** Server credentials for {@code NettyServerBuilder.forAddress(address, credentials)}. */
  static ServerCredentials serverCredentials() {
    return InternalNettyServerCredentials.create(new PlaintextTransport(InternalProtocolNegotiators.serverPlaintext()));
  }

  /**
   * Gives a grpc-java client channel the front end's transport, for clients that move large tensors:
   * plaintext (instead of {@code usePlaintext()}), composing reads, 1 MiB frames, and connection
   * buffers recycled by a {@link RecyclingAllocator} of the channel's own, which keeps up to 256 MiB idle.
   */
  public static NettyChannelBuilder onChannel(NettyChannelBuilder channel) {
    InternalNettyChannelBuilder.setProtocolNegotiatorFactory(channel,
        (InternalNettyChannelBuilder.ProtocolNegotiatorFactory) () -> new PlaintextTransport(InternalProtocolNegotiators.plaintext()));
    return channel.withOption(ChannelOption.ALLOCATOR, new RecyclingAllocator(256L << 20));
  }

  @Override
  public AsciiString scheme() {
    return plaintext.scheme();
  }

  @Override
  public ChannelHandler newHandler(GrpcHttp2ConnectionHandler grpcHandler) {
    grpcHandler.setCumulator(ByteToMessageDecoder.COMPOSITE_CUMULATOR);
    return new LargerFrames(grpcHandler, plaintext.newHandler(grpcHandler));
  }

  @Override
  public void close() {
    plaintext.close();
  }

  /**
   * Stands where grpc puts its negotiation handler: puts that handler after itself, then, on the first
   * read after grpc's own handler has taken over (its SETTINGS already sent), sends the larger frame
   * size and leaves the pipeline. The frame reader applies the new size when the peer acknowledges it,
   * and the peer acknowledges before it sends a frame of the new size.
   */
  private static final class LargerFrames extends ChannelInboundHandlerAdapter {
    private final GrpcHttp2ConnectionHandler grpc;
    private final ChannelHandler negotiation;

    LargerFrames(GrpcHttp2ConnectionHandler grpc, ChannelHandler negotiation) {
      this.grpc = grpc;
      this.negotiation = negotiation;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      ctx.pipeline().addAfter(ctx.name(), null, negotiation);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ChannelHandlerContext grpcContext = ctx.pipeline().context(grpc);
      if (grpcContext != null) {
        grpc.encoder().writeSettings(grpcContext, new Http2Settings().maxFrameSize(MAX_FRAME_SIZE), grpcContext.newPromise());
        grpcContext.flush();
        ctx.pipeline().remove(this);
      }
      ctx.fireChannelRead(msg);
    }
  }
}
