package bundle

import "strings"

// IsDNSLabel says whether s is an RFC 1123 label starting with a letter
// (what Kubernetes wants of Service names).
func IsDNSLabel(s string) bool {
	if s == "" || len(s) > 63 || !('a' <= s[0] && s[0] <= 'z') || s[len(s)-1] == '-' {
		return false
	}
	for _, c := range s {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// DNSLabel makes s a DNS label of at most n characters: lowercase, runs
// of other characters replaced by '-', a leading "x" when it does not
// start with a letter ("app" when nothing is left).
func DNSLabel(s string, n int) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(s) {
		if 'a' <= c && c <= 'z' || '0' <= c && c <= '9' {
			b.WriteRune(c)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	out := b.String()
	if out != "" && !('a' <= out[0] && out[0] <= 'z') {
		out = "x" + out
	}
	if len(out) > n {
		out = out[:n]
	}
	out = strings.TrimRight(out, "-")
	if out == "" {
		return "app"
	}
	return out
}
