#!/usr/bin/env python3
"""Writes the hand-made seed corpora of the fuzz targets whose inputs are
small byte strings (payloads for the parsers, date patterns, TZif files,
.properties, round markers): one valid input per case the target tells
apart, encoded here by hand from each format's specification so that the
fuzzer starts past the first length and type checks. The file readers'
seeds are whole files made by secor's own writers instead
(fuzz/format/make_reader_seeds.cc).

    fuzz/make_seeds.py            # rewrites fuzz/seeds/<target>/<case>
"""
import json
import os
import struct
import sys

SEEDS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seeds")


def write(target, name, data):
    d = os.path.join(SEEDS, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def zigzag(n):
    return varint((n << 1) ^ (n >> 63))


# Avro binary encoding (avro_parser_fuzz's schema E).
def avro_string(s):
    b = s.encode()
    return zigzag(len(b)) + b


def avro_e(nested, depth=0):
    out = avro_string("hi")
    # a: array<union[null, long, E]>, one block of two items, then end.
    out += zigzag(2) + zigzag(1) + zigzag(5) + zigzag(0) + zigzag(0)
    # m: map<array<null>>: {"a": [null]}.
    out += zigzag(1) + avro_string("a") + zigzag(1) + zigzag(0) + zigzag(0)
    out += zigzag(1)  # k: enum B
    out += b"xyz"  # x: fixed(3)
    out += b"\x01" + struct.pack("<f", 1.5) + struct.pack("<d", -2.25) + zigzag(1) + b"q"
    if nested and depth < 2:
        out += zigzag(1) + avro_e(nested, depth + 1)  # next: E
    else:
        out += zigzag(0)  # next: null
    out += zigzag(1700000000000000 + depth)  # ts: timestamp-micros
    return out


def msgpack_str(s):
    b = s.encode()
    assert len(b) < 32
    return bytes([0xA0 | len(b)]) + b


def protobuf_len(field, payload):
    return varint(field << 3 | 2) + varint(len(payload)) + payload


def thrift_binary(nested):
    if nested:  # field 4: struct { field 2: i64 }
        return b"\x0c\x00\x04" + b"\x0a\x00\x02" + struct.pack(">q", 1700000000000) + b"\x00\x00"
    return b"\x0a\x00\x0c" + struct.pack(">q", 1700000000000) + b"\x00"


def thrift_compact(nested):
    if nested:  # delta 4, struct (12); inside delta 2, i64 (6)
        return b"\x4c" + b"\x26" + zigzag(1700000000000) + b"\x00\x00"
    # Delta 12, i64: delta 12 fits the short form.
    return b"\xc6" + zigzag(1700000000000) + b"\x00"


def tzif():
    # TZif version 2: a v1 block (32-bit times), a v2 header and block
    # (64-bit times), then the POSIX TZ footer.
    times = [1711846800, 1729990800]  # 2024-03-31 01:00 UTC, 2024-10-27 01:00 UTC
    idx = [1, 0]
    types = [(3600, 0, 0), (7200, 1, 4)]
    chars = b"CET\0CEST\0"

    def block(fmt):
        b = b"".join(struct.pack(fmt, t) for t in times) + bytes(idx)
        b += b"".join(struct.pack(">iBB", *t) for t in types) + chars
        return b

    def header():
        return b"TZif2" + b"\0" * 15 + struct.pack(">6I", 0, 0, 0, len(times), len(types), len(chars))

    return header() + block(">i") + header() + block(">q") + b"\nCET-1CEST,M3.5.0,M10.5.0/3\n"


def main():
    # Parsers' payloads.
    write("avro_parser_fuzz", "datum", avro_e(False))
    write("avro_parser_fuzz", "datum_nested", avro_e(True))
    write("avro_parser_fuzz", "schema", json.dumps(
        {"type": "record", "name": "R", "fields": [
            {"name": "a", "type": {"type": "array", "items": "long"}},
            {"name": "u", "type": ["null", "string"], "default": None}]}))
    ts = struct.pack(">Q", 1700000000000)
    write("msgpack_parser_fuzz", "nested_uint64",
          b"\x82" + msgpack_str("id") + b"\x07" + msgpack_str("meta") + b"\x81" + msgpack_str("ts") + b"\xcf" + ts)
    write("msgpack_parser_fuzz", "nested_float64",
          b"\x81" + msgpack_str("meta") + b"\x81" + msgpack_str("ts") + b"\xcb" + struct.pack(">d", 1.7e12))
    write("msgpack_parser_fuzz", "array_and_str8",
          b"\x82" + msgpack_str("a") + b"\x93\x01\xc0\xc3" + msgpack_str("meta") + b"\x81" + msgpack_str("ts") +
          b"\xd9\x0d" + b"1700000000000")
    inner = varint(2 << 3 | 0) + zigzag(1700000000000)
    created = varint(1 << 3) + varint(1700000000) + varint(2 << 3) + varint(500000000)
    write("protobuf_parser_fuzz", "event",
          protobuf_len(1, inner) + protobuf_len(3, created) + protobuf_len(4, b"2024-01-02 03:04:05"))
    write("protobuf_parser_fuzz", "first_field_varint", varint(1 << 3) + varint(1700000000000))
    write("thrift_parser_fuzz", "binary_top", thrift_binary(False))
    write("thrift_parser_fuzz", "binary_nested", thrift_binary(True))
    write("thrift_parser_fuzz", "compact_top", thrift_compact(False))
    write("thrift_parser_fuzz", "compact_nested", thrift_compact(True))
    write("json_parser_fuzz", "nested_ms", '{"a":{"ts":1700000000000},"b":[1,2.5,null,true],"s":"x\\u00e9"}')
    write("json_parser_fuzz", "seconds_float", '{"a":{"ts":1700000000.25}}')
    write("json_parser_fuzz", "dst_gap", '{"a":{"ts":1710054000000}}')  # 2024-03-10 02:00 New York
    write("iso8601_parser_fuzz", "offset", '2024-03-10T02:30:00+01:00')
    write("iso8601_parser_fuzz", "fraction_z", '2024-06-15T12:00:00.123456Z')
    write("iso8601_parser_fuzz", "json", '{"timestamp":"2024-10-27T02:30:00"}')
    write("regex_parser_fuzz", "log_line", "host GET 1700000000000 /index.html 200")
    write("regex_parser_fuzz", "exponent", "a b 1.7e12 rest")
    write("split_by_field_parser_fuzz", "event", '{"event":"click","timestamp":1700000000000}')
    write("split_by_field_parser_fuzz", "no_timestamp", '{"event":"view_page","x":{"event":"inner"}}')
    write("date_format_fuzz", "date_time", "yyyy-MM-dd HH:mm:ss\n2024-03-10 02:30:00")
    write("date_format_fuzz", "rfc822", "EEE, d MMM yyyy HH:mm:ss Z\nWed, 4 Jul 2001 12:08:56 -0700")
    write("date_format_fuzz", "quoted_millis", "yyyyMMdd'T'HHmmss.SSS\n20240101T000000.123")
    write("date_format_fuzz", "zone_names", "yyyy-MM-dd'T'HH:mm:ssXXX z\n2024-11-03T01:30:00-04:00 EDT")
    write("time_zone_fuzz", "cet_v2", tzif())
    write("config_properties_fuzz", "escapes_and_continuations",
          "# comment\n! also a comment\nsecor.kafka.group = g\nkey:value\nkey2 value\\\n    continued\n"
          "unicode=\\u00e9t\\u00e9\nspace\\ key=a\\=b\nempty=\n")
    # The round-marker decoder: markers as EncodeMarker writes them.
    write("round_marker_fuzz", "two_files",
          '{"version":1,"start":5,"end":9,"files":[{"key":"t/dt=2024-01-01/1_0_00000000000000000005",'
          '"messages":3,"offsets_hash":"fedcba9876543210"},{"key":"t/dt=2024-01-02/1_0_00000000000000000005",'
          '"messages":2,"offsets_hash":"0000000000000001"}],"writer":"host:123","created_ms":1700000000000}\n')
    write("round_marker_fuzz", "empty_round",
          '{"version":1,"start":0,"end":0,"files":[],"writer":"h\\u00e9:1","created_ms":0}\n')
    return 0


if __name__ == "__main__":
    sys.exit(main())
