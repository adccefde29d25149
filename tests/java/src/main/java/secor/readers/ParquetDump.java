package secor.readers;

import java.io.File;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * Reads Parquet files with parquet-mr (the footer with {@link ParquetFileReader}, the rows with
 * {@link ParquetReader} and the example {@link Group} model, which does no conversion of its own)
 * and prints, for each file,
 *
 * <pre>
 *   {"file":F,"num_rows":N,"row_groups":G,"codecs":["ZSTD"],"schema":"message ..."}
 *   {"__offset":17,"user":{"id":3,"name":null},"tags":["a"],...}    one per row
 *   {"file":F,"rows":N}                                             after the last row
 * </pre>
 *
 * Values: integers (dates as days, timestamps in the column's unit) and floating point as JSON
 * numbers, strings (STRING/ENUM/JSON annotated binary) as JSON strings, other binary as
 * {"hex":"..."}, groups as objects, LIST-annotated groups as arrays, MAP-annotated groups as
 * objects, a missing optional value as null.
 */
public final class ParquetDump {
  public static void main(String[] args) throws Exception {
    Configuration conf = new Configuration();
    StringBuilder out = new StringBuilder();
    for (String arg : args) {
      Path path = new Path(new File(arg).getAbsoluteFile().toURI());
      MessageType schema;
      try (ParquetFileReader file = ParquetFileReader.open(HadoopInputFile.fromPath(path, conf))) {
        ParquetMetadata footer = file.getFooter();
        schema = footer.getFileMetaData().getSchema();
        TreeSet<String> codecs = new TreeSet<>();
        for (BlockMetaData block : footer.getBlocks()) {
          for (ColumnChunkMetaData column : block.getColumns()) {
            codecs.add(column.getCodec().name());
          }
        }
        out.append("{\"file\":").append(Json.quote(arg));
        out.append(",\"num_rows\":").append(file.getRecordCount());
        out.append(",\"row_groups\":").append(footer.getBlocks().size());
        out.append(",\"codecs\":[");
        String sep = "";
        for (String c : codecs) {
          out.append(sep).append(Json.quote(c));
          sep = ",";
        }
        out.append("],\"schema\":").append(Json.quote(schema.toString())).append("}\n");
      }
      long rows = 0;
      try (ParquetReader<Group> reader =
          ParquetReader.builder(new GroupReadSupport(), path).withConf(conf).build()) {
        for (Group row = reader.read(); row != null; row = reader.read()) {
          object(out, row, schema);
          out.append('\n');
          ++rows;
          if (out.length() > (1 << 20)) {
            System.out.print(out);
            out.setLength(0);
          }
        }
      }
      out.append("{\"file\":").append(Json.quote(arg)).append(",\"rows\":").append(rows);
      out.append("}\n");
    }
    System.out.print(out);
    System.out.flush();
  }

  static void object(StringBuilder b, Group g, GroupType type) {
    b.append('{');
    for (int i = 0; i < type.getFieldCount(); ++i) {
      Type field = type.getType(i);
      if (i > 0) {
        b.append(',');
      }
      Json.quote(b, field.getName());
      b.append(':');
      if (field.isRepetition(Type.Repetition.REPEATED)) {
        // A bare repeated field (no LIST annotation): an array of its values.
        b.append('[');
        for (int j = 0; j < g.getFieldRepetitionCount(i); ++j) {
          if (j > 0) {
            b.append(',');
          }
          value(b, g, i, j, field);
        }
        b.append(']');
      } else {
        optional(b, g, i, field);
      }
    }
    b.append('}');
  }

  static void optional(StringBuilder b, Group g, int i, Type field) {
    if (g.getFieldRepetitionCount(i) == 0) {
      b.append("null");
    } else {
      value(b, g, i, 0, field);
    }
  }

  static void value(StringBuilder b, Group g, int i, int j, Type field) {
    if (field.isPrimitive()) {
      primitive(b, g, i, j, field.asPrimitiveType());
      return;
    }
    GroupType group = field.asGroupType();
    Group v = g.getGroup(i, j);
    LogicalTypeAnnotation annotation = group.getLogicalTypeAnnotation();
    if (annotation instanceof LogicalTypeAnnotation.ListLogicalTypeAnnotation) {
      // LIST: one repeated field; in the 3-level layout a group holding the element.
      Type repeated = group.getType(0);
      b.append('[');
      for (int k = 0; k < v.getFieldRepetitionCount(0); ++k) {
        if (k > 0) {
          b.append(',');
        }
        if (!repeated.isPrimitive() && repeated.asGroupType().getFieldCount() == 1) {
          optional(b, v.getGroup(0, k), 0, repeated.asGroupType().getType(0));
        } else {
          value(b, v, 0, k, repeated);
        }
      }
      b.append(']');
    } else if (annotation instanceof LogicalTypeAnnotation.MapLogicalTypeAnnotation) {
      GroupType keyValue = group.getType(0).asGroupType();
      b.append('{');
      for (int k = 0; k < v.getFieldRepetitionCount(0); ++k) {
        if (k > 0) {
          b.append(',');
        }
        Group entry = v.getGroup(0, k);
        Json.quote(b, entry.getBinary(0, 0).toStringUsingUTF8());
        b.append(':');
        optional(b, entry, 1, keyValue.getType(1));
      }
      b.append('}');
    } else {
      object(b, v, group);
    }
  }

  static void primitive(StringBuilder b, Group g, int i, int j, PrimitiveType type) {
    switch (type.getPrimitiveTypeName()) {
      case INT32 -> b.append(g.getInteger(i, j));
      case INT64 -> b.append(g.getLong(i, j));
      case FLOAT -> Json.number(b, g.getFloat(i, j));
      case DOUBLE -> Json.number(b, g.getDouble(i, j));
      case BOOLEAN -> b.append(g.getBoolean(i, j));
      case BINARY, FIXED_LEN_BYTE_ARRAY -> {
        LogicalTypeAnnotation a = type.getLogicalTypeAnnotation();
        if (a instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation
            || a instanceof LogicalTypeAnnotation.EnumLogicalTypeAnnotation
            || a instanceof LogicalTypeAnnotation.JsonLogicalTypeAnnotation) {
          Json.quote(b, g.getBinary(i, j).toStringUsingUTF8());
        } else {
          Json.binary(b, g.getBinary(i, j).getBytes());
        }
      }
      case INT96 -> Json.binary(b, g.getInt96(i, j).getBytes());
    }
  }
}
