package secor.readers;

import java.nio.charset.StandardCharsets;

/**
 * A minimal JSON writer for the dump programs: one object per output line, strings escaped so
 * that any UTF-8 (and any unpaired surrogate, as \\uXXXX) survives, binary data as hex.
 */
final class Json {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private Json() {}

  static String quote(String s) {
    StringBuilder b = new StringBuilder(s.length() + 2);
    quote(b, s);
    return b.toString();
  }

  static void quote(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); ++i) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20 || Character.isSurrogate(c) && !validPair(s, i)) {
            b.append(String.format("\\u%04x", (int) c));
          } else if (Character.isHighSurrogate(c)) {
            b.append(c).append(s.charAt(++i));
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }

  private static boolean validPair(String s, int i) {
    return Character.isHighSurrogate(s.charAt(i))
        && i + 1 < s.length()
        && Character.isLowSurrogate(s.charAt(i + 1));
  }

  static String hex(byte[] bytes, int offset, int length) {
    char[] out = new char[length * 2];
    for (int i = 0; i < length; ++i) {
      int v = bytes[offset + i] & 0xff;
      out[2 * i] = HEX[v >>> 4];
      out[2 * i + 1] = HEX[v & 0xf];
    }
    return new String(out);
  }

  static String hex(byte[] bytes) {
    return hex(bytes, 0, bytes.length);
  }

  /** Binary values print as {"hex":"..."} so they cannot be mistaken for strings. */
  static void binary(StringBuilder b, byte[] bytes) {
    b.append("{\"hex\":\"").append(hex(bytes)).append("\"}");
  }

  /** Floating point as Java's shortest round-trip form; NaN and infinities as strings. */
  static void number(StringBuilder b, double d) {
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      quote(b, Double.toString(d));
    } else {
      b.append(d);
    }
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
