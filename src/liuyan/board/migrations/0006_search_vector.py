from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("board", "0005_list_indexes")]

    operations = []
