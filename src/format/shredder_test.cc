// The levels the shredder gives, worked out by hand: the Document example of
// the Dremel paper (Melnik et al., 2010) in the 3-level LIST layout, maps
// with null values, nested lists, nulls against empty lists, and errors.
#include "format/shredder.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace secor {
namespace {

// An entry as text: leaf:def:rep:value ("-" for null), for readable diffs.
std::string Text(const std::vector<LeafEntry>& entries,
                 const std::vector<parquet::SchemaElement>& elements) {
  // Leaf i's physical type, to print the right member of its value.
  std::vector<parquet::PhysicalType> types;
  for (const auto& e : elements) {
    if (e.type) types.push_back(*e.type);
  }
  std::string out;
  for (const LeafEntry& e : entries) {
    out += std::to_string(e.leaf) + ":" + std::to_string(e.def) + ":" + std::to_string(e.rep) + ":";
    if (e.null) {
      out += "-";
    } else if (types.at(e.leaf) == parquet::PhysicalType::kByteArray) {
      out += std::string(e.v.s);
    } else {
      out += std::to_string(e.v.i);
    }
    out += " ";
  }
  return out;
}

// Only leaf's entries, in order.
std::string Column(const std::string& text, int leaf) {
  std::string out;
  const std::string prefix = std::to_string(leaf) + ":";
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find(' ', pos);
    std::string item = text.substr(pos, end - pos);
    if (item.rfind(prefix, 0) == 0) out += item.substr(prefix.size()) + " ";
    pos = end + 1;
  }
  return out;
}

struct Shredded {
  std::vector<parquet::SchemaElement> elements;
  Shredder shredder;
  simdjson::dom::parser parser;

  explicit Shredded(const TableSchema& schema) {
    shredder.Build(schema.fields, schema.optional_groups, 0, &elements);
  }
  Result<std::string> Json(const std::string& message) {
    std::vector<LeafEntry> out;
    simdjson::dom::element root;
    EXPECT_FALSE(parser.parse(message).get(root)) << message;
    RETURN_IF_ERROR(shredder.Shred(root, &out));
    return Text(out, elements);
  }
};

// Document { DocId; Links { Backward[]; Forward[] }; Name[] { Language[] {
// Code; Country? }; Url? } } as an Avro schema.
const char kDocument[] = R"({"type":"record","name":"Document","fields":[
  {"name":"DocId","type":"long"},
  {"name":"Links","type":{"type":"record","name":"Links","fields":[
    {"name":"Backward","type":{"type":"array","items":"long"}},
    {"name":"Forward","type":{"type":"array","items":"long"}}]}},
  {"name":"Name","type":{"type":"array","items":{"type":"record","name":"Name","fields":[
    {"name":"Language","type":{"type":"array","items":{"type":"record","name":"Language",
      "fields":[{"name":"Code","type":"string"},{"name":"Country","type":["null","string"]}]}}},
    {"name":"Url","type":["null","string"]}]}}}]})";

TEST(Shredder, DremelPaperDocument) {
  auto schema = SchemaFromAvro(kDocument);
  ASSERT_TRUE(schema.ok()) << schema.status().ToString();
  Shredded s(*schema);
  // The schema and the levels LeavesOf derives from it, which the shredder's
  // must match.
  auto leaves = parquet::LeavesOf([&] {
    std::vector<parquet::SchemaElement> all{parquet::SchemaElement{}};
    all[0].num_children = 3;
    all.insert(all.end(), s.elements.begin(), s.elements.end());
    return all;
  }());
  ASSERT_TRUE(leaves.ok()) << leaves.status().ToString();
  std::vector<std::string> got;
  for (const auto& l : *leaves) {
    std::string path;
    for (const auto& p : l.path) path += (path.empty() ? "" : ".") + p;
    got.push_back(path + " d" + std::to_string(l.max_def) + " r" + std::to_string(l.max_rep));
  }
  EXPECT_EQ(got, (std::vector<std::string>{
                     "DocId d0 r0",
                     "Links.Backward.list.element d3 r1",
                     "Links.Forward.list.element d3 r1",
                     "Name.list.element.Language.list.element.Code d6 r2",
                     "Name.list.element.Language.list.element.Country d7 r2",
                     "Name.list.element.Url d4 r1",
                 }));

  // r1 and r2 of the paper.
  auto r1 = s.Json(R"({"DocId":10,"Links":{"Forward":[20,40,60]},"Name":[
    {"Language":[{"Code":"en-us","Country":"us"},{"Code":"en"}],"Url":"http://A"},
    {"Url":"http://B"},
    {"Language":[{"Code":"en-gb","Country":"gb"}]}]})");
  ASSERT_TRUE(r1.ok()) << r1.status().ToString();
  EXPECT_EQ(Column(*r1, 0), "0:0:10 ");
  EXPECT_EQ(Column(*r1, 1), "0:0:- ");  // Backward: null list (JSON groups are always there)
  EXPECT_EQ(Column(*r1, 2), "3:0:20 3:1:40 3:1:60 ");
  // Name[1] has no Language: null at Name[]'s level, repeating at level 1.
  EXPECT_EQ(Column(*r1, 3), "6:0:en-us 6:2:en 3:1:- 6:1:en-gb ");
  EXPECT_EQ(Column(*r1, 4), "7:0:us 6:2:- 3:1:- 7:1:gb ");
  EXPECT_EQ(Column(*r1, 5), "4:0:http://A 4:1:http://B 3:1:- ");
  auto r2 = s.Json(
      R"({"DocId":20,"Links":{"Backward":[10,30],"Forward":[80]},"Name":[{"Url":"http://C"}]})");
  ASSERT_TRUE(r2.ok()) << r2.status().ToString();
  EXPECT_EQ(*r2, "0:0:0:20 1:3:0:10 1:3:1:30 2:3:0:80 3:3:0:- 4:3:0:- 5:4:0:http://C ");
}

TEST(Shredder, NullsEmptyListsAndNullElements) {
  auto schema = SchemaFromAvro(kDocument);
  ASSERT_TRUE(schema.ok());
  Shredded s(*schema);
  // Name: null; Backward: empty; Forward: a null element between values.
  auto r = s.Json(R"({"DocId":1,"Links":{"Backward":[],"Forward":[1,null,2]},"Name":null})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Column(*r, 1), "1:0:- ");              // present and empty: the list's level
  EXPECT_EQ(Column(*r, 2), "3:0:1 2:1:- 3:1:2 ");  // a null element: one below the value
  EXPECT_EQ(Column(*r, 3), "0:0:- ");
  EXPECT_EQ(Column(*r, 5), "0:0:- ");
  // A null Name element, an element with an empty Language list, one with
  // a null Language element.
  r = s.Json(R"({"DocId":1,"Name":[null,{"Language":[]},{"Language":[null]}]})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Column(*r, 3), "2:0:- 4:1:- 5:1:- ");
  EXPECT_EQ(Column(*r, 4), "2:0:- 4:1:- 5:1:- ");
  EXPECT_EQ(Column(*r, 5), "2:0:- 3:1:- 3:1:- ");
}

TEST(Shredder, ErrorsNameThePathThroughListsAndMaps) {
  auto schema = SchemaFromAvro(kDocument);
  ASSERT_TRUE(schema.ok());
  Shredded s(*schema);
  EXPECT_EQ(s.Json(R"({"DocId":1,"Name":[{"Language":[{"Country":"x"}]}]})").status().message(),
            "field 'Name[].Language[].Code' is required but missing or null");
  EXPECT_EQ(s.Json(R"({"DocId":1,"Name":[{"Url":5}]})").status().message(),
            "field 'Name[].Url': expected string, got number");
  EXPECT_EQ(s.Json(R"({"DocId":1,"Name":{"Url":"u"}})").status().message(),
            "field 'Name': expected a list, got object");
  EXPECT_EQ(s.Json(R"({"DocId":1,"Links":{"Forward":["a"]}})").status().message(),
            "field 'Links.Forward[]': expected int64, got string");

  auto maps = ParseColumnList("m:map<string,int64>");
  ASSERT_TRUE(maps.ok()) << maps.status().ToString();
  Shredded m(*maps);
  EXPECT_EQ(m.Json(R"({"m":[1]})").status().message(),
            "field 'm': expected a map (JSON object), got array");
  EXPECT_EQ(m.Json(R"({"m":{"a":"x"}})").status().message(),
            "field 'm{}': expected int64, got string");
}

TEST(Shredder, MapsWithNullValuesAndNestedTypes) {
  auto schema = ParseColumnList(
      "m:map<string,int64>, ml:map<string, list<string>>, ll:list<list<int32>>!, "
      "g.lm:list<map<string,bool>>");
  ASSERT_TRUE(schema.ok()) << schema.status().ToString();
  Shredded s(*schema);
  // Leaves: 0 m.key, 1 m.value, 2 ml.key, 3 ml.value.element, 4 ll's
  // element.element, 5 g.lm's element.key, 6 g.lm's element.value.
  auto r = s.Json(R"({"m":{"a":1,"b":null,"c":3},"ml":{"x":["p",null],"y":[],"z":null},
                      "ll":[[1,2],[],null,[3]],"g":{"lm":[{"t":true},{},null]}})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  // map<string,int64>: optional map (1), key_value (2), value (3).
  EXPECT_EQ(Column(*r, 0), "2:0:a 2:1:b 2:1:c ");
  EXPECT_EQ(Column(*r, 1), "3:0:1 2:1:- 3:1:3 ");
  // map of lists: value list present (3), its list (4), its element (5).
  EXPECT_EQ(Column(*r, 2), "2:0:x 2:1:y 2:1:z ");
  EXPECT_EQ(Column(*r, 3), "5:0:p 4:2:- 3:1:- 2:1:- ");
  // A required list of lists: no level for the outer list itself.
  EXPECT_EQ(Column(*r, 4), "4:0:1 4:2:2 2:1:- 1:1:- 4:1:3 ");
  EXPECT_EQ(Column(*r, 5), "4:0:t 3:1:- 2:1:- ");
  EXPECT_EQ(Column(*r, 6), "5:0:1 3:1:- 2:1:- ");

  // Missing optional containers are null at level 0; the required list is
  // an error.
  EXPECT_EQ(s.Json(R"({"m":{}})").status().message(), "field 'll' is required but missing or null");
  r = s.Json(R"({"m":{},"ll":[]})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, "0:1:0:- 1:1:0:- 2:0:0:- 3:0:0:- 4:0:0:- 5:0:0:- 6:0:0:- ");
}

TEST(Shredder, DecodedMapsAreRecordsKeyedByName) {
  // map<string, record{n: long, s: string?}?> from an Avro schema, fed a
  // DatumTree as the Avro and Protobuf decoders make it.
  auto schema = SchemaFromAvro(R"({"type":"record","name":"r","fields":[
    {"name":"m","type":{"type":"map","values":["null",{"type":"record","name":"V","fields":[
      {"name":"n","type":"long"},{"name":"s","type":["null","string"]}]}]}},
    {"name":"opt","type":["null","V"]}]})");
  ASSERT_TRUE(schema.ok()) << schema.status().ToString();
  schema->optional_groups = true;
  Shredded s(*schema);
  DatumTree tree;
  DatumNode node;
  node.kind = DatumKind::kRecord;
  const int32_t root = tree.Add(-1, node);
  node.name = "m";
  const int32_t map = tree.Add(root, node);
  auto value = [&](std::string_view key, int64_t n, const char* str) {
    DatumNode v;
    v.kind = DatumKind::kRecord;
    v.name = key;
    const int32_t rec = tree.Add(map, v);
    DatumNode f;
    f.kind = DatumKind::kInt;
    f.name = "n";
    f.i = n;
    tree.Add(rec, f);
    DatumNode t;
    t.name = "s";
    if (str) {
      t.kind = DatumKind::kString;
      t.s = str;
    }
    tree.Add(rec, t);
  };
  value("k1", 7, "x");
  DatumNode null_value;
  null_value.name = "k2";
  tree.Add(map, null_value);
  value("k3", -1, nullptr);
  DatumNode opt;
  opt.name = "opt";  // null: the optional group is null as a whole
  tree.Add(root, opt);
  std::vector<LeafEntry> out;
  ASSERT_TRUE(s.shredder.Shred(tree, &out).ok());
  const std::string text = Text(out, s.elements);
  // m: map (1), key_value (2), value group (3), s (4).
  EXPECT_EQ(Column(text, 0), "2:0:k1 2:1:k2 2:1:k3 ");
  EXPECT_EQ(Column(text, 1), "3:0:7 2:1:- 3:1:-1 ");
  EXPECT_EQ(Column(text, 2), "4:0:x 2:1:- 3:1:- ");
  // opt (a reference to the named type V): null group at level 0.
  EXPECT_EQ(Column(text, 3), "0:0:- ");
  EXPECT_EQ(Column(text, 4), "0:0:- ");
}

}  // namespace
}  // namespace secor
