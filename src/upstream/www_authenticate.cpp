#include "upstream/www_authenticate.hpp"

#include <cctype>

namespace regcache::upstream {
namespace {

bool is_token_char(char c) {
  if (std::isalnum(static_cast<unsigned char>(c))) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}

  bool done() const { return pos_ >= text_.size(); }
  char peek() const { return done() ? '\0' : text_[pos_]; }
  void advance() { ++pos_; }
  void skip_space() {
    while (!done() && (peek() == ' ' || peek() == '\t')) ++pos_;
  }
  size_t position() const { return pos_; }
  void rewind(size_t pos) { pos_ = pos; }

  std::string_view token() {
    size_t begin = pos_;
    while (!done() && is_token_char(peek())) ++pos_;
    return text_.substr(begin, pos_ - begin);
  }
  // An unquoted value: registries send realms such as https://x/token unquoted,
  // which are not RFC tokens, so read up to the next separator.
  std::string_view bare_value() {
    size_t begin = pos_;
    while (!done() && peek() != ',' && peek() != ' ' && peek() != '\t') ++pos_;
    return text_.substr(begin, pos_ - begin);
  }
  // After the opening quote; false when the closing quote is missing.
  bool quoted_value(std::string& out) {
    while (!done()) {
      char c = peek();
      ++pos_;
      if (c == '"') return true;
      if (c == '\\') {
        if (done()) return false;
        c = peek();
        ++pos_;
      }
      out.push_back(c);
    }
    return false;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

AuthChallenge::Scheme scheme_of(std::string_view name) {
  std::string l = lower(name);
  if (l == "bearer") return AuthChallenge::Scheme::bearer;
  if (l == "basic") return AuthChallenge::Scheme::basic;
  return AuthChallenge::Scheme::other;
}

}  // namespace

std::string AuthChallenge::param(std::string_view name) const {
  std::string key = lower(name);
  for (const auto& [k, v] : params) {
    if (k == key) return v;
  }
  return {};
}

std::optional<std::vector<AuthChallenge>> parse_www_authenticate(std::string_view value) {
  std::vector<AuthChallenge> challenges;
  Cursor in(value);
  for (;;) {
    // Separators: any run of spaces and commas (empty list elements are allowed).
    while (!in.done() && (in.peek() == ' ' || in.peek() == '\t' || in.peek() == ',')) in.advance();
    if (in.done()) break;
    std::string_view name = in.token();
    if (name.empty()) return std::nullopt;  // a stray character
    size_t after_name = in.position();
    in.skip_space();
    if (in.peek() == '=') {
      // "name=value": a parameter of the current challenge, or a token68
      // ("Basic abc==") when followed only by '=' padding.
      in.advance();
      size_t after_equals = in.position();
      while (in.peek() == '=') in.advance();
      in.skip_space();
      bool token68 = in.done() || in.peek() == ',';
      if (token68 && !challenges.empty() && challenges.back().params.empty() &&
          after_equals == after_name + 1) {
        // Keep it verbatim; registries do not use token68 challenges, so no accessor.
        challenges.back().params.emplace_back("", std::string(name) + "=");
        continue;
      }
      in.rewind(after_equals);
      if (challenges.empty()) return std::nullopt;  // a parameter before any scheme
      in.skip_space();
      std::string param_value;
      if (in.peek() == '"') {
        in.advance();
        if (!in.quoted_value(param_value)) return std::nullopt;
      } else {
        param_value = std::string(in.bare_value());
      }
      // Lenient about what follows (a missing comma before the next parameter):
      // the '=' lookahead above still tells parameters and schemes apart.
      challenges.back().params.emplace_back(lower(name), std::move(param_value));
    } else {
      // A new challenge: scheme name, optionally followed by parameters.
      in.rewind(after_name);
      AuthChallenge challenge;
      challenge.scheme_name = std::string(name);
      challenge.scheme = scheme_of(name);
      challenges.push_back(std::move(challenge));
    }
  }
  if (challenges.empty()) return std::nullopt;
  return challenges;
}

}  // namespace regcache::upstream
