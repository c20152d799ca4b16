from __future__ import annotations

from django.test import SimpleTestCase

from paperwork.templatetags.paperwork_tags import Grid, form_grid, image_data_uri


def layout(grid: Grid) -> list[list[tuple[object, bool, int]]]:
    return [[(cell.text, cell.is_label, cell.colspan) for cell in row.cells] for row in grid.rows]


class FormGridTestCase(SimpleTestCase):
    def test_it_puts_two_pairs_on_a_line(self):
        grid = form_grid([["姓名", "张三"], ["性别", "男"], ["民族", "汉族"]])

        self.assertEqual(
            layout(grid),
            [
                [("姓名", True, 1), ("张三", False, 1), ("性别", True, 1), ("男", False, 2)],
                [("民族", True, 1), ("汉族", False, 4)],
            ],
        )
        self.assertEqual(grid.photo_rowspan, 0)

    def test_it_gives_a_long_value_its_own_line_in_order(self):
        grid = form_grid([["姓名", "张三"], ["通讯地址", "辽宁省沈阳市和平区南京北街100号"], ["性别", "男"]])

        self.assertEqual(
            layout(grid),
            [
                [("姓名", True, 1), ("张三", False, 4)],
                [("通讯地址", True, 1), ("辽宁省沈阳市和平区南京北街100号", False, 4)],
                [("性别", True, 1), ("男", False, 4)],
            ],
        )

    def test_it_keeps_an_id_number_on_half_a_line(self):
        grid = form_grid([["证件类型", "居民身份证"], ["证件号码", "21010219880512123X"]])

        self.assertEqual(len(grid.rows), 1)

    def test_it_leaves_the_last_column_to_the_photo_beside_the_first_four_lines(self):
        rows = [[f"字段{n}", str(n)] for n in range(12)]

        grid = form_grid(rows, with_photo=True)

        self.assertEqual(grid.photo_rowspan, 4)
        widths = [sum(cell.colspan for cell in row.cells) for row in grid.rows]
        self.assertEqual(widths, [4, 4, 4, 4, 5, 5])

    def test_it_shows_the_photo_box_for_a_short_or_empty_section(self):
        self.assertEqual(form_grid([["姓名", "张三"]], with_photo=True).photo_rowspan, 1)
        grid = form_grid([], with_photo=True)
        self.assertEqual(grid.photo_rowspan, 1)
        self.assertEqual(layout(grid), [[("", True, 1), ("", False, 3)]])

    def test_it_prints_missing_values_as_blank(self):
        grid = form_grid([["姓名", None], ["性别"]])

        self.assertEqual(
            layout(grid), [[("姓名", True, 1), ("", False, 1), ("性别", True, 1), ("", False, 2)]]
        )


class ImageDataUriTestCase(SimpleTestCase):
    def test_it_accepts_png_and_jpeg_only(self):
        self.assertTrue(image_data_uri(b"\x89PNG\r\n\x1a\nrest").startswith("data:image/png;base64,"))
        self.assertTrue(image_data_uri(b"\xff\xd8\xff\xe0rest").startswith("data:image/jpeg;base64,"))
        self.assertEqual(image_data_uri(b"<svg/>"), "")
        self.assertEqual(image_data_uri(None), "")
        self.assertEqual(image_data_uri(b""), "")
