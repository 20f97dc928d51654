"""Where a browser request comes from, from the headers browsers set themselves (a page cannot forge them)."""
from urllib.parse import urlsplit

from django.core.exceptions import DisallowedHost

_OWN = {"same-origin", "none"}  # "none": typed in the address bar or opened from a bookmark


def cross_site(request) -> bool:
    """True when another website made the browser send this request. Modern browsers say so in Sec-Fetch-Site;
    without it, an Origin or Referer of another host counts; without any of these (a script, curl) it is not."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site.strip().lower() not in _OWN
    source = request.headers.get("Origin") or request.headers.get("Referer")
    if not source or source == "null":
        return bool(source)  # "Origin: null" is a sandboxed or privacy-stripped cross-site request
    try:
        return urlsplit(source).netloc.lower() != request.get_host().lower()
    except DisallowedHost:
        return True
