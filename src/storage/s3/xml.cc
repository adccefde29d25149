#include "storage/s3/xml.h"

#include <charconv>
#include <cstring>

#include <pugixml.hpp>

namespace secor::s3 {
namespace {

// Whether body's first character after white space (and a UTF-8 byte order
// mark) opens markup: pugixml drops text before the document element, so
// without this "user data with <Error> inside" would read as an error.
bool StartsWithMarkup(std::string_view body) {
  if (body.substr(0, 3) == "\xEF\xBB\xBF") body.remove_prefix(3);
  size_t i = body.find_first_not_of(" \t\r\n");
  return i != std::string_view::npos && body[i] == '<';
}

// Parses body as UTF-8 (S3 and STS declare nothing else). parse_default
// leaves DOCTYPE declarations out of the tree and expands no entity of
// theirs. ok is false for a document that did not parse completely; the
// tree then holds what came before the fault.
bool Load(std::string_view body, pugi::xml_document* doc) {
  if (!StartsWithMarkup(body)) return false;
  pugi::xml_parse_result r =
      doc->load_buffer(body.data(), body.size(), pugi::parse_default, pugi::encoding_utf8);
  return static_cast<bool>(r);
}

// The text of an element: its text and CDATA children joined, so that a
// comment inside a value does not cut it short.
std::string Text(const pugi::xml_node& node) {
  std::string out;
  for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) out += c.value();
  }
  return out;
}

std::string ChildText(const pugi::xml_node& node, const char* name) {
  return Text(node.child(name));
}

// The first element named name under root (root included), depth first,
// without recursion (the depth of a hostile document is unbounded).
pugi::xml_node FindElement(const pugi::xml_node& root, const char* name) {
  pugi::xml_node n = root;
  while (n) {
    if (n.type() == pugi::node_element && std::strcmp(n.name(), name) == 0) return n;
    if (n.first_child()) {
      n = n.first_child();
      continue;
    }
    while (n && n != root && !n.next_sibling()) n = n.parent();
    if (!n || n == root) break;
    n = n.next_sibling();
  }
  return pugi::xml_node();
}

int64_t ToInt64(const std::string& s) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && end == s.data() + s.size() ? v : 0;
}

ErrorDocument ReadError(const pugi::xml_node& error) {
  return ErrorDocument{ChildText(error, "Code"), ChildText(error, "Message")};
}

}  // namespace

Result<ListPage> ParseListObjectsV2(std::string_view body) {
  pugi::xml_document doc;
  bool ok = Load(body, &doc);
  pugi::xml_node root = doc.document_element();
  if (!ok || std::strcmp(root.name(), "ListBucketResult") != 0) {
    return Status::Corruption("not a complete ListBucketResult document ({} bytes)", body.size());
  }
  ListPage page;
  for (pugi::xml_node c = root.first_child(); c; c = c.next_sibling()) {
    if (c.type() != pugi::node_element) continue;
    std::string_view name = c.name();
    if (name == "Contents") {
      page.objects.push_back(ListedObject{ChildText(c, "Key"), ToInt64(ChildText(c, "Size"))});
    } else if (name == "CommonPrefixes") {
      page.common_prefixes.push_back(ChildText(c, "Prefix"));
    } else if (name == "IsTruncated") {
      page.truncated = Text(c) == "true";
    } else if (name == "NextContinuationToken") {
      page.next_token = Text(c);
    }
  }
  return page;
}

std::optional<ErrorDocument> ParseErrorDocument(std::string_view body, bool root_only) {
  pugi::xml_document doc;
  Load(body, &doc);  // a truncated error document is still an error
  pugi::xml_node root = doc.document_element();
  if (!root) return std::nullopt;
  pugi::xml_node error = root_only
                             ? (std::strcmp(root.name(), "Error") == 0 ? root : pugi::xml_node())
                             : FindElement(root, "Error");
  if (!error) return std::nullopt;
  return ReadError(error);
}

Result<std::string> ParseInitiateMultipartUpload(std::string_view body) {
  pugi::xml_document doc;
  bool ok = Load(body, &doc);
  pugi::xml_node root = doc.document_element();
  std::string id = ok && std::strcmp(root.name(), "InitiateMultipartUploadResult") == 0
                       ? ChildText(root, "UploadId")
                       : "";
  if (id.empty()) return Status::Corruption("no UploadId in the answer");
  return id;
}

CompleteOutcome ParseCompleteMultipartUpload(std::string_view body, ErrorDocument* error) {
  if (auto e = ParseErrorDocument(body, /*root_only=*/true)) {
    if (error) *error = *e;
    return CompleteOutcome::kError;
  }
  pugi::xml_document doc;
  bool ok = Load(body, &doc);
  if (ok && std::strcmp(doc.document_element().name(), "CompleteMultipartUploadResult") == 0) {
    return CompleteOutcome::kCompleted;
  }
  return CompleteOutcome::kUnknown;
}

Result<StsCredentials> ParseStsCredentials(std::string_view body) {
  pugi::xml_document doc;
  bool ok = Load(body, &doc);
  pugi::xml_node creds = ok ? FindElement(doc.document_element(), "Credentials") : pugi::xml_node();
  if (!creds) return Status::Corruption("no Credentials element in the answer");
  StsCredentials c;
  c.access_key_id = ChildText(creds, "AccessKeyId");
  c.secret_access_key = ChildText(creds, "SecretAccessKey");
  c.session_token = ChildText(creds, "SessionToken");
  c.expiration = ChildText(creds, "Expiration");
  return c;
}

std::string XmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

}  // namespace secor::s3
