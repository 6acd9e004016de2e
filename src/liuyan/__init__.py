"""Liuyan (留言板): a government message board."""
