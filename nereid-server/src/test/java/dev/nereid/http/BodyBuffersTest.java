package dev.nereid.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

/** Body buffers come back on their last release, are reused when they fit, and stay within both limits. */
class BodyBuffersTest {
  @Test
  void aReleasedBufferIsReusedForTheNextBodyThatFits() {
    BodyBuffers buffers = new BodyBuffers(1 << 20, 4 << 20);
    ByteBuf first = buffers.take(600_000);
    assertThat(first.capacity()).isEqualTo(600_000);
    assertThat(first.writableBytes()).isEqualTo(600_000);
    first.writeBytes(new byte[1000]);
    first.retain(); // the aggregator's reference
    assertThat(first.release()).isFalse();
    assertThat(buffers.inUse()).isEqualTo(600_000);
    assertThat(first.release()).isTrue();
    assertThat(buffers.inUse()).isZero();

    ByteBuf second = buffers.take(500_000);
    assertThat(second.capacity()).as("exactly the size asked for").isEqualTo(500_000);
    assertThat(second.writerIndex()).isZero();
    assertThat(buffers.inUse()).as("the idle 600,000-byte buffer, reused").isEqualTo(600_000);
    second.release();
  }

  @Test
  void aBufferMoreThanTwiceTheSizeIsNotTakenForASmallBody() {
    BodyBuffers buffers = new BodyBuffers(8 << 20, 16 << 20);
    buffers.take(4 << 20).release();
    ByteBuf small = buffers.take(1 << 20);
    assertThat(small.capacity()).isEqualTo(1 << 20);
    small.release();
  }

  @Test
  void handsOutAtMostTheInUseLimitAndKeepsAtMostTheIdleLimit() {
    BodyBuffers buffers = new BodyBuffers(1 << 20, 2 << 20);
    ByteBuf a = buffers.take(1 << 20);
    ByteBuf b = buffers.take(1 << 20);
    assertThat(buffers.take(1)).as("past the in-use limit: the caller keeps to the ordinary path").isNull();
    a.release();
    b.release(); // the idle limit holds one of them; the other is dropped
    assertThat(buffers.inUse()).isZero();
    ByteBuf c = buffers.take(1 << 20);
    ByteBuf d = buffers.take(1 << 20);
    assertThat(c).isNotNull();
    assertThat(d).isNotNull();
    c.release();
    d.release();
  }

  @Test
  void comesBackWhenTheLastViewIsReleasedAsAnAggregatorDoesIt() {
    BodyBuffers buffers = new BodyBuffers(1 << 20, 4 << 20);
    ByteBuf body = buffers.take(1 << 20);
    body.writeZero(1 << 20);
    CompositeByteBuf composite = Unpooled.compositeBuffer();
    composite.addComponent(true, body.retain());
    body.release(); // the collector's message, released after aggregation
    assertThat(buffers.inUse()).isEqualTo(1 << 20);
    ByteBuf slice = composite.retainedSlice(0, 10);
    composite.release();
    assertThat(buffers.inUse()).isEqualTo(1 << 20);
    slice.release();
    assertThat(buffers.inUse()).isZero();
  }
}
