package vigil.protocol.peer;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * The numbers of an election message on the wire (since wire version 7): a long as an unsigned LEB128 varint, seven
 * bits a byte, low bits first, the high bit of a byte set when another follows. Terms, sequence numbers, record
 * versions, timelines and the milliseconds of a report are small, so a heartbeat's eight-byte fields mostly take one
 * or two bytes; an LSN takes four or five, a system identifier (the full 64 bits) nine or ten. Every long round-trips,
 * a negative one in ten bytes.
 *
 * <p>Invariant: a reader refuses a varint longer than ten bytes or whose value does not fit 64 bits, so a malformed
 * frame is refused, not read as another number. A padded encoding (a last byte of zero after others) reads as the
 * same number: the writer never makes one, and the frame's HMAC covers the bytes as sent.
 */
final class VarLong {
    private VarLong() {
    }

    static void write(DataOutput out, long v) throws IOException {
        while ((v & ~0x7FL) != 0) {
            out.writeByte((int) (v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out.writeByte((int) v);
    }

    static long read(DataInput in) throws IOException {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = in.readUnsignedByte();
            if (shift == 63 && (b & 0x7E) != 0) throw new IOException("varint does not fit 64 bits");
            v |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) return v;
        }
        throw new IOException("varint longer than 10 bytes");
    }
}
