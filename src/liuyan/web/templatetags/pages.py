"""Page links of a list: which page numbers to show around the current one."""

from django import template

register = template.Library()


@register.filter
def page_numbers(page) -> list:
    """The numbers to link around `page`: the first and the last, two either side of it, and the
    paginator's ELLIPSIS where numbers are left out."""
    return list(page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1))
