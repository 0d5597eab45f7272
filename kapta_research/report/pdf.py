"""The findings PDF: an executed notebook without code, rendered by nbconvert + WeasyPrint."""
from __future__ import annotations

import html
from pathlib import Path

from .html import manifest_html

__all__ = ["PRINT_CSS", "notebook_to_pdf"]


PRINT_CSS = """
@page { size: A4; margin: 16mm 14mm 18mm 14mm;
        @bottom-right { content: "page " counter(page) " of " counter(pages); font-size: 8pt; color: #666; } }
body { font-family: "DejaVu Sans", sans-serif; font-size: 9.5pt; line-height: 1.35; color: #111; }
h1 { font-size: 20pt; margin: 0 0 4pt 0; } h2 { font-size: 13pt; margin: 14pt 0 4pt 0; }
h3 { font-size: 11pt; }
.kr-title { border-bottom: 2px solid #0072b2; margin-bottom: 8pt; }
.kr-date { color: #555; margin: 0; } .kr-scope { color: #333; }
.kr-findings { background: #f3f7fb; padding: 4pt 10pt; border-left: 4px solid #0072b2; page-break-after: always; }
.kr-findings li { margin: 2.5pt 0; }  /* study 04's 13 findings fit page 1 */
.kr-notcovered { border: 1px solid #d55e00; background: #fdf3ec; padding: 2pt 10pt; margin: 6pt 0; }
.kr-notcovered h2 { font-size: 11pt; color: #a04000; margin: 4pt 0; } .kr-notcovered li { margin: 2pt 0; }
table { border-collapse: collapse; font-size: 8pt; max-width: 100%; table-layout: auto; margin: 6pt 0; }
th, td { border-bottom: 1px solid #ddd; padding: 2pt 5pt; text-align: right; word-wrap: break-word; }
th { background: #eef2f6; } td:first-child, th:first-child { text-align: left; }
.kr-caption { font-weight: bold; margin: 6pt 0 0 0; page-break-after: avoid; }
.kr-block { page-break-inside: avoid; }  /* keep a caption with its rows; taller than a page still splits */
h2, h3, .text_cell { page-break-after: avoid; }  /* a section's heading and text stay with its first output */
.kr-note { font-size: 8pt; color: #555; margin-top: 0; }
img { max-width: 100%; page-break-inside: avoid; }
.kr-manifest { page-break-before: always; } .kr-manifest td { text-align: left; font-family: "DejaVu Sans Mono", monospace; font-size: 7pt; }
pre { white-space: pre-wrap; font-size: 7.5pt; }
.anchor-link { display: none; }
"""


def notebook_to_pdf(notebook_path, pdf_path, *, manifest: dict | None = None, title: str = "Findings") -> Path:
    """Render an executed notebook to a PDF without code (nbconvert + WeasyPrint).

    Input cells, prompts, stderr streams and cells tagged ``no-pdf`` are
    dropped; the manifest is appended as the last page.
    """
    import nbformat
    from nbconvert import HTMLExporter
    from weasyprint import HTML

    nb = nbformat.read(str(notebook_path), as_version=4)
    cells = []
    for cell in nb.cells:
        if "no-pdf" in cell.get("metadata", {}).get("tags", []) or "parameters" in cell.get("metadata", {}).get("tags", []) \
                or "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            continue
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs
                            if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
                            and o.get("output_type") != "error"]
        cells.append(cell)
    nb.cells = cells
    exporter = HTMLExporter(template_name="basic", exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb)
    doc = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
           f"<style>{PRINT_CSS}</style></head><body>{body}"
           f"{manifest_html(manifest) if manifest else ''}</body></html>")
    pdf_path = Path(pdf_path)
    HTML(string=doc, base_url=str(Path(notebook_path).parent)).write_pdf(str(pdf_path))
    return pdf_path
