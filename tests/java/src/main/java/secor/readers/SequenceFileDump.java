package secor.readers;

import io.airlift.compress.zstd.ZstdCodec;
import java.io.File;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.BytesWritable;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.SequenceFile;
import org.apache.hadoop.io.Writable;
import org.apache.hadoop.io.compress.ZStandardCodec;
import org.apache.hadoop.util.NativeCodeLoader;
import org.apache.hadoop.util.ReflectionUtils;

/**
 * Reads SequenceFiles with Hadoop's own {@link SequenceFile.Reader} and prints, for each file,
 *
 * <pre>
 *   {"file":F,"key_class":K,"value_class":V,"compressed":B,"block_compressed":B,
 *    "header_codec":C,"decoder":D}           the header as Hadoop read it
 *   {"key":OFFSET,"value":"HEX"}             one per record (LongWritable keys)
 *   {"key_hex":"HEX","value":"HEX"}          one per record (BytesWritable keys)
 *   {"file":F,"records":N}                   after the last record
 * </pre>
 *
 * Every codec is Hadoop's own class (named in the file's header) except ZStandardCodec, which
 * Hadoop implements only in native libhadoop (not on Maven Central). Without it, the header's
 * ZStandardCodec is resolved to aircompressor's pure-Java Hadoop codec ({@link ZstdCodec}), and
 * "decoder" says so. {@code --hadoop-codecs-only} turns that off (Hadoop then fails on zstd).
 */
public final class SequenceFileDump {
  private static final String HADOOP_ZSTD = "org.apache.hadoop.io.compress.ZStandardCodec";

  /** Hadoop's Configuration, except that it may resolve one codec class to another. */
  static final class CodecConfiguration extends Configuration {
    private final boolean substitute;
    String headerCodec = "";

    CodecConfiguration(boolean substitute) {
      this.substitute = substitute;
    }

    @Override
    public Class<?> getClassByName(String name) throws ClassNotFoundException {
      if (name.endsWith("Codec")) {
        headerCodec = name;
      }
      if (substitute && name.equals(HADOOP_ZSTD) && !hadoopZstdAvailable()) {
        return ZstdCodec.class;
      }
      return super.getClassByName(name);
    }
  }

  static boolean hadoopZstdAvailable() {
    return NativeCodeLoader.isNativeCodeLoaded() && ZStandardCodec.isNativeCodeLoaded();
  }

  public static void main(String[] args) throws Exception {
    boolean substitute = true;
    StringBuilder out = new StringBuilder();
    for (String arg : args) {
      if (arg.equals("--hadoop-codecs-only")) {
        substitute = false;
        continue;
      }
      CodecConfiguration conf = new CodecConfiguration(substitute);
      Path path = new Path(new File(arg).getAbsoluteFile().toURI());
      try (SequenceFile.Reader reader =
          new SequenceFile.Reader(conf, SequenceFile.Reader.file(path))) {
        out.append("{\"file\":").append(Json.quote(arg));
        out.append(",\"key_class\":").append(Json.quote(reader.getKeyClassName()));
        out.append(",\"value_class\":").append(Json.quote(reader.getValueClassName()));
        out.append(",\"compressed\":").append(reader.isCompressed());
        out.append(",\"block_compressed\":").append(reader.isBlockCompressed());
        out.append(",\"header_codec\":").append(Json.quote(conf.headerCodec));
        String decoder =
            reader.getCompressionCodec() == null
                ? ""
                : reader.getCompressionCodec().getClass().getName();
        out.append(",\"decoder\":").append(Json.quote(decoder)).append("}\n");
        Writable key = (Writable) ReflectionUtils.newInstance(reader.getKeyClass(), conf);
        BytesWritable value = new BytesWritable();
        long records = 0;
        while (reader.next(key, value)) {
          if (key instanceof LongWritable k) {
            out.append("{\"key\":").append(k.get());
          } else if (key instanceof BytesWritable k) {
            out.append("{\"key_hex\":\"").append(Json.hex(k.getBytes(), 0, k.getLength()));
            out.append('"');
          } else {
            throw new IllegalStateException(arg + ": unexpected key class " + key.getClass());
          }
          out.append(",\"value\":\"").append(Json.hex(value.getBytes(), 0, value.getLength()));
          out.append("\"}\n");
          ++records;
          if (out.length() > (1 << 20)) {
            System.out.print(out);
            out.setLength(0);
          }
        }
        out.append("{\"file\":").append(Json.quote(arg)).append(",\"records\":").append(records);
        out.append("}\n");
      }
    }
    System.out.print(out);
    System.out.flush();
  }
}
