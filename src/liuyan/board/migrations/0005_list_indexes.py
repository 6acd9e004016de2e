from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("board", "0004_attachment_number")]

    operations = []
