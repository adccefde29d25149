package secor.readers;

import java.io.File;
import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.GenericRecord;

/**
 * Reads Avro object container files with Apache Avro's Java {@link DataFileReader} and generic
 * datum reader (no logical type conversions: timestamps stay longs) and prints, for each file,
 *
 * <pre>
 *   {"file":F,"codec":"snappy","schema":"{...}"}
 *   {"__offset":17,"user":{"id":3,"name":null},...}      one per record, unions unwrapped
 *   {"file":F,"records":N}                               after the last record
 * </pre>
 *
 * Bytes and fixed print as {"hex":"..."}, enums as strings, maps as objects.
 */
public final class AvroDump {
  public static void main(String[] args) throws Exception {
    StringBuilder out = new StringBuilder();
    for (String arg : args) {
      long records = 0;
      try (DataFileReader<GenericRecord> reader =
          new DataFileReader<>(new File(arg), new GenericDatumReader<>())) {
        String codec = reader.getMetaString("avro.codec");
        out.append("{\"file\":").append(Json.quote(arg));
        out.append(",\"codec\":").append(Json.quote(codec == null ? "null" : codec));
        out.append(",\"schema\":").append(Json.quote(reader.getSchema().toString()));
        out.append("}\n");
        GenericRecord record = null;
        while (reader.hasNext()) {
          record = reader.next(record);
          value(out, record, reader.getSchema());
          out.append('\n');
          ++records;
          if (out.length() > (1 << 20)) {
            System.out.print(out);
            out.setLength(0);
          }
        }
      }
      out.append("{\"file\":").append(Json.quote(arg)).append(",\"records\":").append(records);
      out.append("}\n");
    }
    System.out.print(out);
    System.out.flush();
  }

  static void value(StringBuilder b, Object v, Schema s) {
    switch (s.getType()) {
      case NULL -> b.append("null");
      case BOOLEAN -> b.append((Boolean) v);
      case INT -> b.append((Integer) v);
      case LONG -> b.append((Long) v);
      case FLOAT -> Json.number(b, (Float) v);
      case DOUBLE -> Json.number(b, (Double) v);
      case STRING, ENUM -> Json.quote(b, v.toString());
      case BYTES -> {
        ByteBuffer buf = ((ByteBuffer) v).duplicate();
        byte[] bytes = new byte[buf.remaining()];
        buf.get(bytes);
        Json.binary(b, bytes);
      }
      case FIXED -> Json.binary(b, ((GenericFixed) v).bytes());
      case UNION -> {
        int branch = GenericData.get().resolveUnion(s, v);
        value(b, v, s.getTypes().get(branch));
      }
      case RECORD -> {
        GenericRecord r = (GenericRecord) v;
        b.append('{');
        String sep = "";
        for (Schema.Field f : s.getFields()) {
          b.append(sep);
          sep = ",";
          Json.quote(b, f.name());
          b.append(':');
          value(b, r.get(f.pos()), f.schema());
        }
        b.append('}');
      }
      case ARRAY -> {
        b.append('[');
        String sep = "";
        for (Object item : (Collection<?>) v) {
          b.append(sep);
          sep = ",";
          value(b, item, s.getElementType());
        }
        b.append(']');
      }
      case MAP -> {
        b.append('{');
        String sep = "";
        for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
          b.append(sep);
          sep = ",";
          Json.quote(b, e.getKey().toString());
          b.append(':');
          value(b, e.getValue(), s.getValueType());
        }
        b.append('}');
      }
    }
  }
}
