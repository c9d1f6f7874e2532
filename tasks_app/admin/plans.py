"""Plans, tasks, responsibilities and targets in the admin (read-mostly until the workflow lands)."""

from django.contrib import admin

from tasks_app.models import Plan, PlanIssuer, Responsibility, Section, Target, Task


class PlanIssuerInline(admin.TabularInline):
    model = PlanIssuer
    extra = 0
    autocomplete_fields = ["agency"]


class SectionInline(admin.TabularInline):
    model = Section
    extra = 0
    fields = ["number", "title", "parent", "order"]
    show_change_link = False


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["title", "doc_number", "issued_on", "level", "period_end", "coordinating_agency"]
    list_filter = ["level"]
    search_fields = ["title", "doc_number", "key"]
    inlines = [PlanIssuerInline, SectionInline]
    autocomplete_fields = ["coordinating_agency"]
    readonly_fields = ["source_hash", "source_encoding", "source_name"]


class ResponsibilityInline(admin.TabularInline):
    model = Responsibility
    extra = 0
    fields = ["agency", "role", "focus", "order"]
    autocomplete_fields = ["agency"]


class TargetInline(admin.TabularInline):
    model = Target
    fk_name = "task"
    extra = 0
    fields = ["description", "quantity", "quantity_max", "unit", "comparison", "year", "items"]


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["__str__", "plan", "section", "kind", "due_on"]
    list_filter = ["plan", "kind"]
    search_fields = ["title", "text", "number"]
    list_select_related = ["plan", "section"]
    inlines = [ResponsibilityInline, TargetInline]
    autocomplete_fields = ["parent"]
    raw_id_fields = ["section"]


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ["description", "quantity", "unit", "comparison", "year", "plan", "task"]
    list_filter = ["plan", "year", "comparison"]
    search_fields = ["description", "phrase"]
    list_select_related = ["plan", "task"]
    raw_id_fields = ["task"]
