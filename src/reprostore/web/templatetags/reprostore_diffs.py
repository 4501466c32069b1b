"""Unified diffs in templates: `{{ text|unified_diff }}` inside a `<pre class="diff">`, and
`{{ text|diff_summary }}`."""

from django import template

from reprostore.web import diffs

register = template.Library()

register.filter("unified_diff", diffs.as_html)
register.filter("diff_summary", diffs.summary)
