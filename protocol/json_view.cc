// JsonObject: members of a JSON object as views into its text (http_json.h).
#include "protocol/json_view.h"

#include <cctype>
#include <charconv>

namespace slotsim {
namespace {

constexpr int kMaxDepth = 64;

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

void SkipSpace(std::string_view t, size_t& i) {
  while (i < t.size() && IsSpace(t[i])) ++i;
}

// Moves `i` past the string that opens at t[i] ('"'); false when it is not closed.
bool SkipString(std::string_view t, size_t& i) {
  for (++i; i < t.size(); ++i) {
    if (t[i] == '\\') {
      ++i;
    } else if (t[i] == '"') {
      ++i;
      return true;
    } else if (static_cast<unsigned char>(t[i]) < 0x20) {
      return false;
    }
  }
  return false;
}

bool SkipValue(std::string_view t, size_t& i, int depth, JsonValue::Type* type);

// Moves `i` past the array or object that opens at t[i].
bool SkipContainer(std::string_view t, size_t& i, int depth) {
  const bool object = t[i] == '{';
  const char close = object ? '}' : ']';
  ++i;
  SkipSpace(t, i);
  if (i < t.size() && t[i] == close) {
    ++i;
    return true;
  }
  while (i < t.size()) {
    if (object) {
      if (t[i] != '"' || !SkipString(t, i)) return false;
      SkipSpace(t, i);
      if (i >= t.size() || t[i] != ':') return false;
      ++i;
      SkipSpace(t, i);
    }
    JsonValue::Type type;
    if (!SkipValue(t, i, depth + 1, &type)) return false;
    SkipSpace(t, i);
    if (i < t.size() && t[i] == ',') {
      ++i;
      SkipSpace(t, i);
      continue;
    }
    if (i < t.size() && t[i] == close) {
      ++i;
      return true;
    }
    return false;
  }
  return false;
}

bool SkipLiteral(std::string_view t, size_t& i, std::string_view word) {
  if (t.substr(i, word.size()) != word) return false;
  i += word.size();
  return true;
}

bool SkipValue(std::string_view t, size_t& i, int depth, JsonValue::Type* type) {
  if (i >= t.size() || depth > kMaxDepth) return false;
  const char c = t[i];
  if (c == '"') {
    *type = JsonValue::Type::kString;
    return SkipString(t, i);
  }
  if (c == '{' || c == '[') {
    *type = c == '{' ? JsonValue::Type::kObject : JsonValue::Type::kArray;
    return SkipContainer(t, i, depth);
  }
  if (c == 't' || c == 'f') {
    *type = JsonValue::Type::kBool;
    return SkipLiteral(t, i, c == 't' ? "true" : "false");
  }
  if (c == 'n') {
    *type = JsonValue::Type::kNull;
    return SkipLiteral(t, i, "null");
  }
  *type = JsonValue::Type::kNumber;
  const size_t start = i;
  while (i < t.size() && (std::isdigit(static_cast<unsigned char>(t[i])) || t[i] == '-' ||
                          t[i] == '+' || t[i] == '.' || t[i] == 'e' || t[i] == 'E')) {
    ++i;
  }
  return i > start;
}

void AppendUtf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::optional<uint32_t> Hex4(std::string_view s, size_t at) {
  if (at + 4 > s.size()) return std::nullopt;
  uint32_t v = 0;
  auto [end, ec] = std::from_chars(s.data() + at, s.data() + at + 4, v, 16);
  if (ec != std::errc() || end != s.data() + at + 4) return std::nullopt;
  return v;
}

// The decoded body of a string's raw text (quotes included).
std::optional<std::string> Unescape(std::string_view raw) {
  const std::string_view s = raw.substr(1, raw.size() - 2);
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') {
      out += s[i];
      continue;
    }
    if (++i >= s.size()) return std::nullopt;
    switch (s[i]) {
      case '"':
      case '\\':
      case '/':
        out += s[i];
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u': {
        std::optional<uint32_t> cp = Hex4(s, i + 1);
        if (!cp) return std::nullopt;
        i += 4;
        if (*cp >= 0xD800 && *cp < 0xDC00 && i + 2 < s.size() && s[i + 1] == '\\' &&
            s[i + 2] == 'u') {
          if (std::optional<uint32_t> low = Hex4(s, i + 3);
              low && *low >= 0xDC00 && *low < 0xE000) {
            cp = 0x10000 + ((*cp - 0xD800) << 10) + (*low - 0xDC00);
            i += 6;
          }
        }
        AppendUtf8(*cp, out);
        break;
      }
      default:
        return std::nullopt;
    }
  }
  return out;
}

// Calls fn(value) for each element of the array or member value of the object `raw`.
template <typename Fn>
void ForEachElement(std::string_view raw, bool object, Fn fn) {
  size_t i = 1;
  SkipSpace(raw, i);
  while (i < raw.size() && raw[i] != (object ? '}' : ']')) {
    if (object) {
      if (!SkipString(raw, i)) return;
      SkipSpace(raw, i);
      ++i;  // ':'
      SkipSpace(raw, i);
    }
    const size_t start = i;
    JsonValue::Type type;
    if (!SkipValue(raw, i, 0, &type)) return;
    fn(JsonValue(type, raw.substr(start, i - start)));
    SkipSpace(raw, i);
    if (i < raw.size() && raw[i] == ',') ++i;
    SkipSpace(raw, i);
  }
}

}  // namespace

std::optional<std::string> JsonValue::String() const {
  if (type_ != Type::kString) return std::nullopt;
  if (raw_.find('\\') == std::string_view::npos) {
    return std::string(raw_.substr(1, raw_.size() - 2));
  }
  return Unescape(raw_);
}

std::optional<int64_t> JsonValue::Integer() const {
  std::string_view digits = raw_;
  if (type_ == Type::kString) {
    digits = raw_.substr(1, raw_.size() - 2);
  } else if (type_ != Type::kNumber) {
    return std::nullopt;
  }
  int64_t v = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec != std::errc() || end == digits.data()) return std::nullopt;
  // A number may go on with a fraction or an exponent: truncated. A string must be all digits.
  if (end != digits.data() + digits.size() && (type_ == Type::kString || *end != '.')) {
    return std::nullopt;
  }
  return v;
}

std::optional<bool> JsonValue::Bool() const {
  if (type_ != Type::kBool) return std::nullopt;
  return raw_ == "true";
}

std::optional<JsonObject> JsonValue::Object() const {
  if (type_ != Type::kObject) return std::nullopt;
  return JsonObject::Parse(raw_);
}

std::vector<std::string> JsonValue::Strings() const {
  std::vector<std::string> out;
  if (type_ != Type::kArray && type_ != Type::kObject) return out;
  ForEachElement(raw_, type_ == Type::kObject, [&out](const JsonValue& v) {
    if (std::optional<std::string> s = v.String()) out.push_back(std::move(*s));
  });
  return out;
}

bool JsonValue::IsStringList() const {
  if (type_ != Type::kArray && type_ != Type::kObject) return false;
  bool all = true;
  ForEachElement(raw_, type_ == Type::kObject,
                 [&all](const JsonValue& v) { all = all && v.type() == Type::kString; });
  return all;
}

std::optional<JsonObject> JsonObject::Parse(std::string_view text) {
  size_t i = 0;
  SkipSpace(text, i);
  if (i >= text.size() || text[i] != '{') return std::nullopt;
  const size_t open = i;
  if (!SkipContainer(text, i, 0)) return std::nullopt;
  const size_t close = i;
  SkipSpace(text, i);
  if (i != text.size()) return std::nullopt;
  // The structure is valid: split it into members.
  JsonObject out;
  out.members_.reserve(16);
  const std::string_view body = text.substr(open, close - open);
  size_t j = 1;
  SkipSpace(body, j);
  while (j < body.size() && body[j] != '}') {
    const size_t key_start = j;
    SkipString(body, j);
    const std::string_view key = body.substr(key_start + 1, j - key_start - 2);
    SkipSpace(body, j);
    ++j;  // ':'
    SkipSpace(body, j);
    const size_t value_start = j;
    JsonValue::Type type;
    SkipValue(body, j, 1, &type);
    out.members_.push_back(Member{key, JsonValue(type, body.substr(value_start, j - value_start))});
    SkipSpace(body, j);
    if (j < body.size() && body[j] == ',') ++j;
    SkipSpace(body, j);
  }
  return out;
}

const JsonValue* JsonObject::Find(std::string_view key) const {
  for (auto it = members_.rbegin(); it != members_.rend(); ++it) {
    if (it->key == key) return &it->value;
  }
  return nullptr;
}

const JsonValue* JsonObject::Get(std::string_view key) const {
  const JsonValue* v = Find(key);
  return v == nullptr || v->is_null() ? nullptr : v;
}

std::string JsonObject::StringOr(std::string_view key) const {
  const JsonValue* v = Get(key);
  if (v == nullptr) return "";
  return v->String().value_or("");
}

}  // namespace slotsim
