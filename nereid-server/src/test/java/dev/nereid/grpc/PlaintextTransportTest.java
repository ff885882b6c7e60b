package dev.nereid.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What the gRPC front end says on the wire about frame sizes, read with a bare HTTP/2 client. */
class PlaintextTransportTest {
  private static final int SETTINGS = 0x4;
  private static final int ACK = 0x1;
  private static final int MAX_FRAME_SIZE = 0x5;

  private static GrpcFixture fx;

  @BeforeAll
  static void start() {
    fx = GrpcFixture.examples();
  }

  @AfterAll
  static void stop() throws InterruptedException {
    fx.close();
  }

  @Test
  void theServerAcceptsOneMebibyteFramesAndSaysSo() throws IOException {
    try (Socket socket = new Socket("127.0.0.1", fx.frontend.port())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.write(frameHeader(0, SETTINGS, 0));
      out.flush();
      DataInputStream in = new DataInputStream(socket.getInputStream());
      List<Integer> advertised = new ArrayList<>();
      // The server's first SETTINGS keeps HTTP/2's 16 KiB; a second one raises it. Read until it does.
      while (advertised.isEmpty() || advertised.getLast() != PlaintextTransport.MAX_FRAME_SIZE) {
        int length = in.readUnsignedShort() << 8 | in.readUnsignedByte();
        int type = in.readUnsignedByte();
        int flags = in.readUnsignedByte();
        in.readInt(); // stream id
        byte[] payload = in.readNBytes(length);
        if (type != SETTINGS || (flags & ACK) != 0) continue;
        for (int i = 0; i + 6 <= payload.length; i += 6) {
          int id = (payload[i] & 0xff) << 8 | (payload[i + 1] & 0xff);
          int value = (payload[i + 2] & 0xff) << 24 | (payload[i + 3] & 0xff) << 16 | (payload[i + 4] & 0xff) << 8
              | (payload[i + 5] & 0xff);
          if (id == MAX_FRAME_SIZE) advertised.add(value);
        }
        out.write(frameHeader(0, SETTINGS, ACK));
        out.flush();
      }
      assertThat(advertised).containsExactly(1 << 20);
    }
  }

  private static byte[] frameHeader(int length, int type, int flags) {
    return new byte[] {(byte) (length >>> 16), (byte) (length >>> 8), (byte) length, (byte) type, (byte) flags, 0, 0, 0, 0};
  }
}
