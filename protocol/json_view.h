// JsonObject: a read-only view of one JSON object's members, for the answers the http target
// reads on its hot path (a heartbeat answer per poll). It splits the text into members without
// building a document: keys and values stay views into the text, and a value is decoded only
// when asked for (a nested object is split the same way, on demand). No allocation but the
// member list; building nlohmann::json documents for the same answers took about a tenth of the
// driver's CPU (its lexer and allocations).
//
// Strict about structure (balanced, quoted, comma-separated; nesting at most 64 deep), lenient
// about what it does not read (numbers are checked for their characters only).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace slotsim {

class JsonObject;

// One value, as its raw text.
class JsonValue {
 public:
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };

  JsonValue(Type type, std::string_view raw) : type_(type), raw_(raw) {}
  Type type() const { return type_; }
  std::string_view raw() const { return raw_; }
  bool is_null() const { return type_ == Type::kNull; }

  // The decoded text of a string; nullopt for another type (or a bad escape).
  std::optional<std::string> String() const;
  // An integer given as a number (a fraction is truncated) or as a numeric string.
  std::optional<int64_t> Integer() const;
  std::optional<bool> Bool() const;
  // The members of an object value.
  std::optional<JsonObject> Object() const;
  // The string elements of an array, or the string member values of an object (the plugin's
  // {"0":"09:00"} form), in order; other elements are skipped. Empty for scalars.
  std::vector<std::string> Strings() const;
  // True for an array whose elements are all strings, or an object whose member values are all
  // strings (what Strings() reads without skipping anything); empty ones included.
  bool IsStringList() const;

 private:
  Type type_;
  std::string_view raw_;
};

class JsonObject {
 public:
  // Splits `text` (which must outlive the object) into members; nullopt unless it is exactly
  // one well-formed JSON object (surrounding whitespace allowed).
  static std::optional<JsonObject> Parse(std::string_view text);

  // The value of `key` (keys compared as written, escapes and all); the last one when repeated.
  // A null value is returned as such: check is_null().
  const JsonValue* Find(std::string_view key) const;
  // Find() that also treats null as absent.
  const JsonValue* Get(std::string_view key) const;
  // Get(key)->String(), or "" when absent or not a string.
  std::string StringOr(std::string_view key) const;

  size_t size() const { return members_.size(); }

 private:
  struct Member {
    std::string_view key;
    JsonValue value;
  };
  std::vector<Member> members_;
};

}  // namespace slotsim
