"""A corpus of hostile filenames: what a student (or an attacker) might call a file."""

TRAVERSAL = [
    "..", ".", "../etc/passwd", "../../../../etc/shadow", "..\\..\\windows\\system32", "a/../../b",
    "./x", "x/..", "....//....//etc", "..%2f..%2fetc", "%2e%2e/x", "..;/x", "dir/file.txt", "dir\\file.txt",
    "\\\\server\\share\\x", "..\u2215etc", "..\uff0fetc", "..\u2044x", "\u2025/x", "…/x",
]
ABSOLUTE = [
    "/etc/passwd", "/", "//", "/tmp/x", "C:\\Windows\\win.ini", "c:/x", "D:", "\\x", "\\\\?\\C:\\x", "/dev/null",
]
CONTROL = [
    "a\x00b", "\x00", "x.txt\x00.png", "line\nbreak", "cr\rhere", "tab\there", "bell\x07", "esc\x1b[31mred",
    "del\x7f", "c1\x85next", "rlo\u202etxt.exe", "lro\u202dx", "zwsp\u200bx", "bom\ufeffx", "ls\u2028x",
    "ps\u2029x", "shy\u00adx", "wj\u2060x", "lrm\u200ex", "isolate\u2066x",
]
OVERLONG = ["x" * 256, "y" * 1000, "é" * 256, "a" * 255 + "b", "😀" * 300]
NORMALISATION = [
    "Cafe\u0301.txt", "A\u030a.txt", "\uff21\uff22.txt", "\u212b.txt", "e\u0301\u0301.txt", "ﬁle.txt",
    "Ⅸ.txt", "\u1100\u1161.txt", "n\u0303.py", "o\u0308.md",
]
LOOKALIKE = [
    "раураl.txt", "аdmin.py", "ехе.exe", "paypal.com.txt", "ǀpipe", "smart‘quote’.txt", "full　width.txt",
    "‮fdp.exe", "report.pdf\u2003.exe", "IMG_0001.JPG", "a\u00a0b.txt", "ℌ𝔢𝔩𝔩𝔬.txt", "𝚖𝚊𝚒𝚗.py",
]
WINDOWS = [
    "CON", "con.txt", "PRN", "AUX.c", "NUL", "nul.tar.gz", "COM1", "com9.log", "LPT1", "lpt9", "CONIN$",
    "trailing.", "trailing ", "a:b", "a*b", "a?b", 'a"b', "a<b>", "a|b", "desktop.ini",
]
DOTS_AND_DASHES = [
    "...", "....", ". .", " ", "  ", ".hidden", "..hidden", "-rf", "--help", "-", "--", "-n.txt", "~", "~root",
    "$HOME", "`id`", "$(id)", "a;rm -rf ~", "'quoted'", "name with spaces.txt",
]
ORDINARY = ["main.py", "README.md", "Ærlig talt.txt", "数据.csv", "report.final.v2.pdf", "x"]

CORPUS = TRAVERSAL + ABSOLUTE + CONTROL + OVERLONG + NORMALISATION + LOOKALIKE + WINDOWS + DOTS_AND_DASHES + ORDINARY
