#include <stdio.h>
#include <string.h>

#include "policy/internal.h"

static const char *const keywords[] = {
	"default", "rule", "when", "during", "outside", "allow", "require", "approval",
	"approvals", "from", "deny", "max", "reason", "required", "and", "or", "not", "in",
	"mon", "tue", "wed", "thu", "fri", "sat", "sun",
};

void lexer_init(struct lexer *lexer, const char *text, size_t length,
		struct policy_diagnostics *diagnostics)
{
	memset(lexer, 0, sizeof *lexer);
	lexer->text = text;
	lexer->length = length;
	lexer->at.line = 1;
	lexer->at.column = 1;
	lexer->diagnostics = diagnostics;
}

void lexer_free(struct lexer *lexer)
{
	strbuf_free(&lexer->string);
}

static unsigned char peek(const struct lexer *lexer, size_t ahead)
{
	size_t at = lexer->offset + ahead;

	return at < lexer->length ? (unsigned char)lexer->text[at] : '\0';
}

static bool at_end(const struct lexer *lexer)
{
	return lexer->offset >= lexer->length;
}

/* Move n bytes on; a column is a code point, so continuation bytes do not count. */
static void advance(struct lexer *lexer, size_t n)
{
	for (size_t i = 0; i < n && lexer->offset < lexer->length; i++) {
		unsigned char c = (unsigned char)lexer->text[lexer->offset++];

		if (c == '\n') {
			lexer->at.line++;
			lexer->at.column = 1;
		} else if ((c & 0xC0) != 0x80) {
			lexer->at.column++;
		}
	}
}

static bool is_word_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_word_char(unsigned char c)
{
	return is_word_start(c) || (c >= '0' && c <= '9');
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* Describe the character at the lexer's position for a message: 'x', U+00A0 or byte 0xFF. */
static void describe_character(const struct lexer *lexer, char *out, size_t size, size_t *length)
{
	const unsigned char *p = (const unsigned char *)lexer->text + lexer->offset;
	uint32_t cp;
	size_t n = utf8_decode(p, lexer->length - lexer->offset, &cp);

	if (n == 0) {
		snprintf(out, size, "byte 0x%02X, which is not UTF-8", p[0]);
		*length = 1;
	} else if (cp >= 0x21 && cp < 0x7F) {
		snprintf(out, size, "'%c'", (char)cp);
		*length = 1;
	} else {
		snprintf(out, size, "U+%04X", (unsigned)cp);
		*length = n;
	}
}

/* Skip the invalid character at the lexer's position, with a diagnostic. */
static void lex_invalid(struct lexer *lexer, struct token *token)
{
	char what[64];
	size_t n;
	unsigned char c = peek(lexer, 0);

	describe_character(lexer, what, sizeof what, &n);
	if (c == '=')
		diagnostics_add(lexer->diagnostics, POLICY_ERROR, lexer->at,
				"unexpected '=': compare with ==");
	else if (c == '!')
		diagnostics_add(lexer->diagnostics, POLICY_ERROR, lexer->at,
				"unexpected '!': write != or !~, or not before a condition");
	else if (c == '\'')
		diagnostics_add(lexer->diagnostics, POLICY_ERROR, lexer->at,
				"unexpected '\\'': strings are written in double quotes");
	else
		diagnostics_add(lexer->diagnostics, POLICY_ERROR, lexer->at,
				"unexpected character %s", what);
	token->kind = TOKEN_INVALID;
	advance(lexer, n);
}

/* A word, with dotted parts for attributes; a trailing dot stays in the word. */
static void lex_word(struct lexer *lexer, struct token *token)
{
	token->kind = TOKEN_WORD;
	for (;;) {
		while (is_word_char(peek(lexer, 0)))
			advance(lexer, 1);
		if (peek(lexer, 0) != '.')
			break;
		advance(lexer, 1);
		if (!is_word_start(peek(lexer, 0)))
			break;
	}
}

/* Digits: a number, a duration such as 8h or 1h30m, or a time such as 09:00. */
static void lex_number(struct lexer *lexer, struct token *token)
{
	bool digits_only = true;

	token->kind = TOKEN_NUMBER;
	while (is_word_char(peek(lexer, 0))) {
		if (!is_digit(peek(lexer, 0)))
			digits_only = false;
		advance(lexer, 1);
	}
	if (digits_only && peek(lexer, 0) == ':') {
		token->kind = TOKEN_TIME;
		advance(lexer, 1);
		while (is_word_char(peek(lexer, 0)))
			advance(lexer, 1);
	} else if (!digits_only) {
		token->kind = TOKEN_DURATION;
	}
}

static void lex_escape(struct lexer *lexer)
{
	struct policy_position at = lexer->at;
	unsigned char c = peek(lexer, 1);

	switch (c) {
	case '"':
	case '\\':
		strbuf_putc(&lexer->string, (char)c);
		break;
	case 'n':
		strbuf_putc(&lexer->string, '\n');
		break;
	case 't':
		strbuf_putc(&lexer->string, '\t');
		break;
	default:
		diagnostics_add(lexer->diagnostics, POLICY_ERROR, at,
				"unknown escape in a string: write \\\", \\\\, \\n or \\t");
		advance(lexer, 1);
		return;
	}
	advance(lexer, 2);
}

/* Add the character at the lexer's position to the string, or report why it cannot be in one. */
static void lex_string_character(struct lexer *lexer)
{
	const unsigned char *p = (const unsigned char *)lexer->text + lexer->offset;
	uint32_t cp;
	size_t n = utf8_decode(p, lexer->length - lexer->offset, &cp);

	if (n == 0) {
		diagnostics_add(lexer->diagnostics, POLICY_ERROR, lexer->at,
				"invalid UTF-8 in a string (byte 0x%02X)", p[0]);
		advance(lexer, 1);
		return;
	}
	if ((cp < 0x20 && cp != '\t') || cp == 0x7F) {
		diagnostics_add(lexer->diagnostics, POLICY_ERROR, lexer->at,
				"control character U+%04X in a string; write \\n or \\t for a line "
				"break or a tab", (unsigned)cp);
		advance(lexer, n);
		return;
	}
	strbuf_append(&lexer->string, p, n);
	advance(lexer, n);
}

static void lex_string(struct lexer *lexer, struct token *token)
{
	struct policy_position open = lexer->at;
	bool too_long = false;

	token->kind = TOKEN_STRING;
	strbuf_reset(&lexer->string);
	advance(lexer, 1);
	for (;;) {
		unsigned char c = peek(lexer, 0);

		if (at_end(lexer) || c == '\n') {
			diagnostics_add(lexer->diagnostics, POLICY_ERROR, open,
					"this string is not closed: add \" before the end of the line");
			return;
		}
		if (c == '"') {
			advance(lexer, 1);
			return;
		}
		if (c == '\\')
			lex_escape(lexer);
		else
			lex_string_character(lexer);
		if (lexer->string.len > POLICY_STRING_MAX && !too_long) {
			diagnostics_add(lexer->diagnostics, POLICY_ERROR, open,
					"this string is longer than %d bytes", POLICY_STRING_MAX);
			too_long = true;
		}
	}
}

static void lex_comment(struct lexer *lexer, struct token *token)
{
	token->kind = TOKEN_COMMENT;
	while (!at_end(lexer) && peek(lexer, 0) != '\n') {
		uint32_t cp;
		const unsigned char *p = (const unsigned char *)lexer->text + lexer->offset;
		size_t n = utf8_decode(p, lexer->length - lexer->offset, &cp);

		if (n == 0) {
			diagnostics_add(lexer->diagnostics, POLICY_ERROR, lexer->at,
					"invalid UTF-8 in a comment (byte 0x%02X)", p[0]);
			n = 1;
		}
		advance(lexer, n);
	}
}

/* Two-character operators, then the one-character tokens. */
static bool lex_operator(struct lexer *lexer, struct token *token)
{
	static const struct {
		char text[3];
		enum token_kind kind;
	} operators[] = {
		{ "==", TOKEN_EQUAL }, { "!=", TOKEN_NOT_EQUAL }, { "!~", TOKEN_NOT_MATCH },
		{ "~", TOKEN_MATCH }, { "{", TOKEN_LEFT_BRACE }, { "}", TOKEN_RIGHT_BRACE },
		{ "(", TOKEN_LEFT_PAREN }, { ")", TOKEN_RIGHT_PAREN }, { "[", TOKEN_LEFT_BRACKET },
		{ "]", TOKEN_RIGHT_BRACKET }, { ",", TOKEN_COMMA }, { "-", TOKEN_MINUS },
	};

	for (size_t i = 0; i < sizeof operators / sizeof operators[0]; i++) {
		size_t n = strlen(operators[i].text);

		if (lexer->length - lexer->offset >= n &&
		    memcmp(lexer->text + lexer->offset, operators[i].text, n) == 0) {
			token->kind = operators[i].kind;
			advance(lexer, n);
			return true;
		}
	}
	return false;
}

static void skip_space(struct lexer *lexer)
{
	while (!at_end(lexer)) {
		unsigned char c = peek(lexer, 0);

		if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
			return;
		advance(lexer, 1);
	}
}

static void lex_one(struct lexer *lexer, struct token *token)
{
	skip_space(lexer);
	token->offset = lexer->offset;
	token->at = lexer->at;
	if (at_end(lexer)) {
		token->kind = TOKEN_END;
		return;
	}

	unsigned char c = peek(lexer, 0);

	if (c == '#')
		lex_comment(lexer, token);
	else if (is_word_start(c))
		lex_word(lexer, token);
	else if (is_digit(c))
		lex_number(lexer, token);
	else if (c == '"')
		lex_string(lexer, token);
	else if (!lex_operator(lexer, token))
		lex_invalid(lexer, token);
}

void lexer_next(struct lexer *lexer, struct token *out)
{
	do {
		lex_one(lexer, out);
		out->length = lexer->offset - out->offset;
	} while (out->kind == TOKEN_COMMENT && !lexer->keep_comments);
}

void token_describe(const struct lexer *lexer, const struct token *token, char *out, size_t size)
{
	struct strbuf text = STRBUF_INIT;
	const char *source = lexer->text + token->offset;

	switch (token->kind) {
	case TOKEN_END:
		strbuf_puts(&text, "the end of the file");
		break;
	case TOKEN_STRING:
		strbuf_puts(&text, "the string ");
		quote_append(&text, lexer->string.data ? lexer->string.data : "", lexer->string.len);
		break;
	case TOKEN_NUMBER:
	case TOKEN_DURATION:
	case TOKEN_TIME:
		strbuf_puts(&text, token->kind == TOKEN_NUMBER ? "the number " :
			    token->kind == TOKEN_DURATION ? "the duration " : "the time ");
		strbuf_append(&text, source, token->length);
		break;
	default:
		quote_append(&text, source, token->length);
		break;
	}
	snprintf(out, size, "%s", strbuf_str(&text));
	strbuf_free(&text);
}

static bool is_keyword(const char *text, size_t length)
{
	for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
		if (strlen(keywords[i]) == length && memcmp(keywords[i], text, length) == 0)
			return true;
	return false;
}

static enum policy_token_class token_class(const char *text, const struct token *token)
{
	switch (token->kind) {
	case TOKEN_WORD:
		if (is_keyword(text + token->offset, token->length))
			return POLICY_TOKEN_KEYWORD;
		if (memchr(text + token->offset, '.', token->length))
			return POLICY_TOKEN_ATTRIBUTE;
		return POLICY_TOKEN_INVALID;
	case TOKEN_STRING:
		return POLICY_TOKEN_STRING;
	case TOKEN_NUMBER:
	case TOKEN_DURATION:
	case TOKEN_TIME:
		return POLICY_TOKEN_NUMBER;
	case TOKEN_COMMENT:
		return POLICY_TOKEN_COMMENT;
	case TOKEN_INVALID:
		return POLICY_TOKEN_INVALID;
	default:
		return POLICY_TOKEN_OPERATOR;
	}
}

void policy_highlight(const char *text, size_t length,
		      void (*visit)(enum policy_token_class token_class, size_t offset, size_t length,
				    void *context),
		      void *context)
{
	struct lexer lexer;
	struct token token;

	lexer_init(&lexer, text, length, NULL);
	lexer.keep_comments = true;
	for (lexer_next(&lexer, &token); token.kind != TOKEN_END; lexer_next(&lexer, &token))
		visit(token_class(text, &token), token.offset, token.length, context);
	lexer_free(&lexer);
}
