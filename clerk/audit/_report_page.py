"""The report's page frame: inline style and script, so one file works offline."""

from __future__ import annotations

from html import escape

STYLE = """
:root{--ok:#1a7f37;--bad:#cf222e;--warn:#9a6700;--muted:#57606a;--line:#d0d7de;--bg:#f6f8fa}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2328}
header{padding:16px 24px;border-bottom:1px solid var(--line);background:var(--bg)}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}main{padding:0 24px 48px}
.banner{margin:12px 0 0;padding:10px 14px;border-radius:6px;font-weight:600}
.banner.intact{background:#dafbe1;color:var(--ok)}.banner.broken{background:#ffebe9;color:var(--bad)}
.banner ul{margin:6px 0 0;font-weight:400}.note{color:var(--muted);font-size:12px;margin:4px 0 0}
dl.summary{display:grid;grid-template-columns:max-content 1fr max-content 1fr;gap:4px 16px;margin:12px 0}
dl.summary dt{color:var(--muted)}dl.summary dd{margin:0;word-break:break-all}
.filters{display:flex;flex-wrap:wrap;gap:6px;align-items:center;margin:8px 0}
.filters button{border:1px solid var(--line);background:#fff;border-radius:14px;padding:3px 10px;cursor:pointer}
.filters button[aria-pressed=true]{background:#1f2328;color:#fff}
.filters input{margin-left:auto;padding:4px 8px;border:1px solid var(--line);border-radius:6px;min-width:220px}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid var(--line);padding:4px 8px;
text-align:left;vertical-align:top}th{background:var(--bg);position:sticky;top:0}
.status{display:inline-block;padding:0 8px;border-radius:10px;font-size:12px;font-weight:600;background:#eaeef2}
.s-done,.s-ready{background:#dafbe1;color:var(--ok)}.s-already_present{background:#ddf4ff;color:#0969da}
.s-failed,.s-unconfirmed{background:#ffebe9;color:var(--bad)}.s-invalid,.s-held{background:#fff8c5;color:var(--warn)}
details.item{border:1px solid var(--line);border-radius:6px;margin:8px 0;padding:0 12px}
details.item>summary{cursor:pointer;padding:8px 0;font-weight:600}
details.item[open]>summary{border-bottom:1px solid var(--line)}
.steps td.where{max-width:360px;word-break:break-all;color:var(--muted);font-size:12px}
.shot{display:inline-block;margin:2px}.shot img{width:240px;height:auto;max-height:300px;object-fit:cover;
object-position:top;border:1px solid var(--line);border-radius:4px;background:var(--bg)}
.shot.tampered img{border:3px solid var(--bad)}.tampered-label{color:var(--bad);font-weight:600}
.errors li{color:var(--bad)}.muted{color:var(--muted)}.hidden{display:none!important}
"""

SCRIPT = """
(function(){
  var active='all', text='';
  function apply(){
    document.querySelectorAll('[data-status]').forEach(function(el){
      var s=el.getAttribute('data-status'), r=(el.getAttribute('data-search')||'');
      var show=(active==='all'||s===active)&&(!text||r.indexOf(text)>=0);
      el.classList.toggle('hidden',!show);
    });
  }
  document.querySelectorAll('.filters button').forEach(function(b){
    b.addEventListener('click',function(){
      active=b.getAttribute('data-filter');
      document.querySelectorAll('.filters button').forEach(function(o){o.setAttribute('aria-pressed',o===b);});
      apply();
    });
  });
  var box=document.getElementById('search');
  if(box){box.addEventListener('input',function(){text=box.value.toLowerCase();apply();});}
  function openTarget(){
    var el=location.hash&&document.getElementById(location.hash.slice(1));
    if(el&&el.tagName==='DETAILS'){el.open=true;el.scrollIntoView();}
  }
  window.addEventListener('hashchange',openTarget);openTarget();
})();
"""


def page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1">'
            f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
            f"<body>{body}<script>{SCRIPT}</script></body></html>")


def status_badge(status: str) -> str:
    return f'<span class="status s-{escape(status)}">{escape(status.replace("_", " "))}</span>'
