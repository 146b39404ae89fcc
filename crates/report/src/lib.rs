//! Report model rendered as HTML with inline SVG charts, Markdown and JSON; ja/en text
