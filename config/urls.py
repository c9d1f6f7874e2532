from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

from tasks_app.admin.start import admin_start


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


admin.site.site_header = _("政策任务督查督办")
admin.site.site_title = _("督查督办")
admin.site.index_title = _("工作台")

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("healthz", healthz),
    # Staff land on "我的任务", coordinators on their start page; see tasks_app.admin.start.
    path("admin/", admin_start, name="admin_start"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("tasks_app.api.urls")),
    # POST language=en|zh-hans: the switch in the admin header (remembered in a cookie).
    path("i18n/", include("django.conf.urls.i18n")),
]
