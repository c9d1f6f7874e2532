from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tasks_app", "0007_event_actions_assign_staff_change_task"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="responsibility",
            index=models.Index(
                fields=["agency", "task"], include=("role",), name="resp_agency_task"
            ),
        ),
    ]
