{
 "patcher": {
  "fileversion": 1,
  "appversion": {
   "major": 9,
   "minor": 0,
   "revision": 0,
   "architecture": "x64",
   "modernui": 1
  },
  "classnamespace": "box",
  "rect": [
   80,
   80,
   1000,
   700
  ],
  "openrect": [
   0,
   0,
   0,
   169
  ],
  "openinpresentation": 1,
  "devicewidth": 1112.0,
  "default_fontsize": 10.0,
  "default_fontname": "Arial",
  "description": "Segue: morph and shift clips with a MusicVAE engine (needs Live 12.2+ / Max 9 and the Segue engine)",
  "boxes": [
   {
    "box": {
     "id": "obj-1",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 12,
     "patching_rect": [
      300,
      420,
      520,
      22
     ],
     "outlettype": [
      "",
      "",
      "",
      "",
      "",
      "",
      "",
      "",
      "",
      "",
      "",
      ""
     ],
     "text": "v8 segue.js @embed 1",
     "saved_object_attributes": {
      "embed": 1,
      "parameter_enable": 0
     }
    }
   },
   {
    "box": {
     "id": "obj-2",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 3,
     "patching_rect": [
      20,
      20,
      100,
      22
     ],
     "outlettype": [
      "bang",
      "int",
      "int"
     ],
     "text": "live.thisdevice"
    }
   },
   {
    "box": {
     "id": "obj-3",
     "maxclass": "newobj",
     "numinlets": 2,
     "numoutlets": 1,
     "patching_rect": [
      140,
      20,
      110,
      22
     ],
     "outlettype": [
      "bang"
     ],
     "text": "qmetro 5 @active 1"
    }
   },
   {
    "box": {
     "id": "obj-4",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 2,
     "patching_rect": [
      140,
      50,
      40,
      22
     ],
     "outlettype": [
      "list",
      "float"
     ],
     "text": "when"
    }
   },
   {
    "box": {
     "id": "obj-5",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "patching_rect": [
      520,
      20,
      110,
      22
     ],
     "outlettype": [
      ""
     ],
     "text": "udpreceive 0 @defer 1"
    }
   },
   {
    "box": {
     "id": "obj-6",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      300,
      520,
      150,
      22
     ],
     "text": "udpsend 127.0.0.1 9797"
    }
   },
   {
    "box": {
     "id": "obj-7",
     "maxclass": "newobj",
     "numinlets": 7,
     "numoutlets": 2,
     "patching_rect": [
      460,
      480,
      80,
      22
     ],
     "outlettype": [
      "int",
      ""
     ],
     "text": "midiformat"
    }
   },
   {
    "box": {
     "id": "obj-8",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "patching_rect": [
      700,
      20,
      50,
      22
     ],
     "outlettype": [
      "int"
     ],
     "text": "midiin"
    }
   },
   {
    "box": {
     "id": "obj-9",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      700,
      560,
      55,
      22
     ],
     "text": "midiout"
    }
   },
   {
    "box": {
     "id": "obj-10",
     "maxclass": "comment",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      560,
      520,
      400,
      20
     ],
     "text": "looking for the engine...",
     "presentation": 1,
     "presentation_rect": [
      6,
      148,
      748,
      16
     ],
     "fontsize": 10.0,
     "varname": "status"
    }
   },
   {
    "box": {
     "id": "obj-11",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "patching_rect": [
      560,
      460,
      60,
      22
     ],
     "outlettype": [
      ""
     ],
     "text": "deferlow"
    }
   },
   {
    "box": {
     "id": "obj-12",
     "maxclass": "message",
     "numinlets": 2,
     "numoutlets": 1,
     "patching_rect": [
      560,
      490,
      40,
      22
     ],
     "outlettype": [
      ""
     ],
     "text": "flush"
    }
   },
   {
    "box": {
     "id": "obj-13",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 3,
     "patching_rect": [
      640,
      420,
      300,
      22
     ],
     "outlettype": [
      "",
      "",
      ""
     ],
     "text": "pattr instance @parameter_enable 1",
     "saved_object_attributes": {
      "parameter_enable": 1,
      "parameter_mappable": 0
     },
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "Instance",
       "parameter_shortname": "Instance",
       "parameter_type": 3,
       "parameter_invisible": 1,
       "parameter_initial_enable": 0
      }
     },
     "varname": "instance"
    }
   },
   {
    "box": {
     "id": "obj-14",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "patching_rect": [
      640,
      450,
      110,
      22
     ],
     "outlettype": [
      ""
     ],
     "text": "prepend instance"
    }
   },
   {
    "box": {
     "id": "obj-15",
     "maxclass": "comment",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      20,
      60,
      20,
      20
     ],
     "text": "A",
     "presentation": 1,
     "presentation_rect": [
      6,
      8,
      12,
      15
     ],
     "fontsize": 10.0
    }
   },
   {
    "box": {
     "id": "obj-16",
     "maxclass": "live.numbox",
     "numinlets": 1,
     "numoutlets": 2,
     "patching_rect": [
      380,
      180,
      34,
      15
     ],
     "outlettype": [
      "",
      "float"
     ],
     "presentation": 1,
     "presentation_rect": [
      46,
      8,
      26,
      15
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "A Track",
       "parameter_shortname": "A Trk",
       "parameter_type": 1,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        1
       ],
       "parameter_mmin": 1,
       "parameter_mmax": 64,
       "parameter_unitstyle": 0
      }
     },
     "varname": "a_track",
     "parameter_enable": 1
    }
   },
   {
    "box": {
     "id": "obj-17",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "patching_rect": [
      380,
      480,
      100,
      22
     ],
     "outlettype": [
      ""
     ],
     "text": "prepend pick A track"
    }
   },
   {
    "box": {
     "id": "obj-18",
     "maxclass": "live.numbox",
     "numinlets": 1,
     "numoutlets": 2,
     "patching_rect": [
      620,
      180,
      34,
      15
     ],
     "outlettype": [
      "",
      "float"
     ],
     "presentation": 1,
     "presentation_rect": [
      104,
      8,
      26,
      15
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "A Scene",
       "parameter_shortname": "A Scn",
       "parameter_type": 1,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        1
       ],
       "parameter_mmin": 1,
       "parameter_mmax": 64,
       "parameter_unitstyle": 0
      }
     },
     "varname": "a_scene",
     "parameter_enable": 1
    }
   },
   {
    "box": {
     "id": "obj-19",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "patching_rect": [
      620,
      480,
      100,
      22
     ],
     "outlettype": [
      ""
     ],
     "text": "prepend pick A scene"
    }
   },
   {
    "box": {
     "id": "obj-20",
     "maxclass": "live.text",
     "numinlets": 1,
     "numoutlets": 2,
     "patching_rect": [
      140,
      220,
      40,
      15
     ],
     "outlettype": [
      "",
      ""
     ],
     "presentation": 1,
     "presentation_rect": [
      134,
      8,
      50,
      15
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "A Selected",
       "parameter_shortname": "A Sel",
       "parameter_type": 2,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        0
       ],
       "parameter_enum": [
        "track",
        "selected"
       ],
       "parameter_mmax": 1
      }
     },
     "varname": "a_selected",
     "text": "track",
     "texton": "selected",
     "mode": 1,
     "parameter_enable": 1
    }
   },
   {
    "box": {
     "id": "obj-21",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "patching_rect": [
      140,
      520,
      100,
      22
     ],
     "outlettype": [
      ""
     ],
     "text": "prepend pick A selected"
    }
   },
   {
    "box": {
     "id": "obj-22",
     "maxclass": "comment",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      20,
      80,
      20,
      20
     ],
     "text": "B",
     "presentation": 1,
     "presentation_rect": [
      6,
      28,
      12,
      15
     ],
     "fontsize": 10.0
    }
   },
   {
    "box": {
     "id": "obj-23",
     "maxclass": "live.numbox",
     "numinlets": 1,
     "numoutlets": 2,
     "patching_rect": [
      500,
      220,
      34,
      15
     ],
     "outlettype": [
      "",
      "float"
     ],
     "presentation": 1,
     "presentation_rect": [
      46,
      28,
      26,
      15
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "B Track",
       "parameter_shortname": "B Trk",
       "parameter_type": 1,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        1
       ],
       "parameter_mmin": 1,
       "parameter_mmax": 64,
       "parameter_unitstyle": 0
      }
     },
     "varname": "b_track",
     "parameter_enable": 1
    }
   },
   {
    "box": {
     "id": "obj-24",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "patching_rect": [
      500,
      520,
      100,
      22
     ],
     "outlettype": [
      ""
     ],
     "text": "prepend pick B track"
    }
   },
   {
    "box": {
     "id": "obj-25",
     "maxclass": "live.numbox",
     "numinlets": 1,
     "numoutlets": 2,
     "patching_rect": [
      20,
      260,
      34,
      15
     ],
     "outlettype": [
      "",
      "float"
     ],
     "presentation": 1,
     "presentation_rect": [
      104,
      28,
      26,
      15
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "B Scene",
       "parameter_shortname": "B Scn",
       "parameter_type": 1,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        2
       ],
       "parameter_mmin": 1,
       "parameter_mmax": 64,
       "parameter_unitstyle": 0
      }
     },
     "varname": "b_scene",
     "parameter_enable": 1
    }
   },
   {
    "box": {
     "id": "obj-26",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "patching_rect": [
      20,
      560,
      100,
      22
     ],
     "outlettype": [
      ""
     ],
     "text": "prepend pick B scene"
    }
   },
   {
    "box": {
     "id": "obj-27",
     "maxclass": "live.text",
     "numinlets": 1,
     "numoutlets": 2,
     "patching_rect": [
      260,
      260,
      40,
      15
     ],
     "outlettype": [
      "",
      ""
     ],
     "presentation": 1,
     "presentation_rect": [
      134,
      28,
      50,
      15
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "B Selected",
       "parameter_shortname": "B Sel",
       "parameter_type": 2,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        0
       ],
       "parameter_enum": [
        "track",
        "selected"
       ],
       "parameter_mmax": 1
      }
     },
     "varname": "b_selected",
     "text": "track",
     "texton": "selected",
     "mode": 1,
     "parameter_enable": 1
    }
   },
   {
    "box": {
     "id": "obj-28",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "patching_rect": [
      260,
      560,
      100,
      22
     ],
     "outlettype": [
      ""
     ],
     "text": "prepend pick B selected"
    }
   },
   {
    "box": {
     "id": "obj-29",
     "maxclass": "live.button",
     "numinlets": 1,
     "numoutlets": 1,
     "patching_rect": [
      500,
      260,
      18,
      18
     ],
     "outlettype": [
      "bang"
     ],
     "presentation": 1,
     "presentation_rect": [
      6,
      49,
      15,
      15
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "Load",
       "parameter_shortname": "Load",
       "parameter_type": 2,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        0
       ],
       "parameter_enum": [
        "off",
        "on"
       ],
       "parameter_mmax": 1
      }
     },
     "varname": "load",
     "parameter_enable": 1
    }
   },
   {
    "box": {
     "id": "obj-30",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "patching_rect": [
      500,
      560,
      100,
      22
     ],
     "outlettype": [
      ""
     ],
     "text": "prepend load"
    }
   },
   {
    "box": {
     "id": "obj-31",
     "maxclass": "live.tab",
     "numinlets": 1,
     "numoutlets": 3,
     "patching_rect": [
      20,
      300,
      100,
      16
     ],
     "outlettype": [
      "",
      "",
      "float"
     ],
     "presentation": 1,
     "presentation_rect": [
      40,
      88,
      100,
      15
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "Mode",
       "parameter_shortname": "Mode",
       "parameter_type": 2,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        0
       ],
       "parameter_enum": [
        "Live",
        "Write"
       ],
       "parameter_mmax": 1
      }
     },
     "varname": "mode",
     "num_lines_patching": 1,
     "num_lines_presentation": 1,
     "parameter_enable": 1
    }
   },
   {
    "box": {
     "id": "obj-32",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "patching_rect": [
      20,
      600,
      100,
      22
     ],
     "outlettype": [
      ""
     ],
     "text": "prepend mode"
    }
   },
   {
    "box": {
     "id": "obj-33",
     "maxclass": "live.numbox",
     "numinlets": 1,
     "numoutlets": 2,
     "patching_rect": [
      260,
      300,
      40,
      15
     ],
     "outlettype": [
      "",
      "float"
     ],
     "presentation": 1,
     "presentation_rect": [
      40,
      108,
      30,
      15
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "Steps",
       "parameter_shortname": "Steps",
       "parameter_type": 1,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        8
       ],
       "parameter_mmin": 2,
       "parameter_mmax": 64,
       "parameter_unitstyle": 0
      }
     },
     "varname": "steps",
     "parameter_enable": 1
    }
   },
   {
    "box": {
     "id": "obj-34",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "patching_rect": [
      260,
      600,
      100,
      22
     ],
     "outlettype": [
      ""
     ],
     "text": "prepend steps"
    }
   },
   {
    "box": {
     "id": "obj-35",
     "maxclass": "live.numbox",
     "numinlets": 1,
     "numoutlets": 2,
     "patching_rect": [
      500,
      300,
      40,
      15
     ],
     "outlettype": [
      "",
      "float"
     ],
     "presentation": 1,
     "presentation_rect": [
      108,
      108,
      30,
      15
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "Bars",
       "parameter_shortname": "Bars",
       "parameter_type": 1,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        4
       ],
       "parameter_mmin": 1,
       "parameter_mmax": 16,
       "parameter_unitstyle": 0
      }
     },
     "varname": "bars",
     "parameter_enable": 1
    }
   },
   {
    "box": {
     "id": "obj-36",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "patching_rect": [
      500,
      600,
      100,
      22
     ],
     "outlettype": [
      ""
     ],
     "text": "prepend bars"
    }
   },
   {
    "box": {
     "id": "obj-37",
     "maxclass": "live.text",
     "numinlets": 1,
     "numoutlets": 2,
     "patching_rect": [
      20,
      340,
      64,
      18
     ],
     "outlettype": [
      "",
      ""
     ],
     "presentation": 1,
     "presentation_rect": [
      6,
      128,
      66,
      15
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "Write",
       "parameter_shortname": "Write",
       "parameter_type": 2,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        0
       ],
       "parameter_enum": [
        "off",
        "on"
       ],
       "parameter_mmax": 1
      }
     },
     "varname": "write",
     "text": "Write clips",
     "mode": 0,
     "parameter_enable": 1
    }
   },
   {
    "box": {
     "id": "obj-38",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "patching_rect": [
      20,
      640,
      100,
      22
     ],
     "outlettype": [
      ""
     ],
     "text": "prepend write"
    }
   },
   {
    "box": {
     "id": "obj-39",
     "maxclass": "live.text",
     "numinlets": 1,
     "numoutlets": 2,
     "patching_rect": [
      260,
      340,
      64,
      18
     ],
     "outlettype": [
      "",
      ""
     ],
     "presentation": 1,
     "presentation_rect": [
      78,
      128,
      66,
      15
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "Capture",
       "parameter_shortname": "Capture",
       "parameter_type": 2,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        0
       ],
       "parameter_enum": [
        "off",
        "on"
       ],
       "parameter_mmax": 1
      }
     },
     "varname": "capture",
     "text": "Capture",
     "mode": 0,
     "parameter_enable": 1
    }
   },
   {
    "box": {
     "id": "obj-40",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "patching_rect": [
      260,
      640,
      100,
      22
     ],
     "outlettype": [
      ""
     ],
     "text": "prepend capture"
    }
   },
   {
    "box": {
     "id": "obj-41",
     "maxclass": "live.dial",
     "numinlets": 1,
     "numoutlets": 2,
     "patching_rect": [
      500,
      340,
      44,
      48
     ],
     "outlettype": [
      "",
      "float"
     ],
     "presentation": 1,
     "presentation_rect": [
      192,
      6,
      44,
      48
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "Morph",
       "parameter_shortname": "Morph",
       "parameter_type": 0,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        0.0
       ],
       "parameter_mmin": 0.0,
       "parameter_mmax": 1.0,
       "parameter_unitstyle": 1
      }
     },
     "varname": "morph",
     "parameter_enable": 1
    }
   },
   {
    "box": {
     "id": "obj-42",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "patching_rect": [
      500,
      640,
      100,
      22
     ],
     "outlettype": [
      ""
     ],
     "text": "prepend knob morph"
    }
   },
   {
    "box": {
     "id": "obj-43",
     "maxclass": "live.dial",
     "numinlets": 1,
     "numoutlets": 2,
     "patching_rect": [
      20,
      380,
      44,
      48
     ],
     "outlettype": [
      "",
      "float"
     ],
     "presentation": 1,
     "presentation_rect": [
      236,
      6,
      44,
      48
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "Temperature",
       "parameter_shortname": "Temp",
       "parameter_type": 0,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        0.5
       ],
       "parameter_mmin": 0.0,
       "parameter_mmax": 4.0,
       "parameter_unitstyle": 1
      }
     },
     "varname": "temperature",
     "parameter_enable": 1
    }
   },
   {
    "box": {
     "id": "obj-44",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "patching_rect": [
      20,
      680,
      100,
      22
     ],
     "outlettype": [
      ""
     ],
     "text": "prepend knob temperature"
    }
   },
   {
    "box": {
     "id": "obj-45",
     "maxclass": "live.numbox",
     "numinlets": 1,
     "numoutlets": 2,
     "patching_rect": [
      260,
      380,
      44,
      15
     ],
     "outlettype": [
      "",
      "float"
     ],
     "presentation": 1,
     "presentation_rect": [
      460,
      8,
      50,
      15
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "Seed",
       "parameter_shortname": "Seed",
       "parameter_type": 0,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        0.0
       ],
       "parameter_mmin": 0.0,
       "parameter_mmax": 9999.0,
       "parameter_unitstyle": 0
      }
     },
     "varname": "seed",
     "parameter_enable": 1
    }
   },
   {
    "box": {
     "id": "obj-46",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "patching_rect": [
      260,
      680,
      100,
      22
     ],
     "outlettype": [
      ""
     ],
     "text": "prepend knob seed"
    }
   },
   {
    "box": {
     "id": "obj-47",
     "maxclass": "live.dial",
     "numinlets": 1,
     "numoutlets": 2,
     "patching_rect": [
      500,
      380,
      44,
      48
     ],
     "outlettype": [
      "",
      "float"
     ],
     "presentation": 1,
     "presentation_rect": [
      192,
      72,
      44,
      48
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "Density",
       "parameter_shortname": "Density",
       "parameter_type": 0,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        0.0
       ],
       "parameter_mmin": -3.0,
       "parameter_mmax": 3.0,
       "parameter_unitstyle": 1
      }
     },
     "varname": "density",
     "parameter_enable": 1
    }
   },
   {
    "box": {
     "id": "obj-48",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "patching_rect": [
      500,
      680,
      100,
      22
     ],
     "outlettype": [
      ""
     ],
     "text": "prepend knob note_density"
    }
   },
   {
    "box": {
     "id": "obj-49",
     "maxclass": "live.dial",
     "numinlets": 1,
     "numoutlets": 2,
     "patching_rect": [
      20,
      420,
      44,
      48
     ],
     "outlettype": [
      "",
      "float"
     ],
     "presentation": 1,
     "presentation_rect": [
      236,
      72,
      44,
      48
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "Diatonic",
       "parameter_shortname": "Diatonic",
       "parameter_type": 0,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        0.0
       ],
       "parameter_mmin": -3.0,
       "parameter_mmax": 3.0,
       "parameter_unitstyle": 1
      }
     },
     "varname": "diatonic",
     "parameter_enable": 1
    }
   },
   {
    "box": {
     "id": "obj-50",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "patching_rect": [
      20,
      720,
      100,
      22
     ],
     "outlettype": [
      ""
     ],
     "text": "prepend knob c_diatonic"
    }
   },
   {
    "box": {
     "id": "obj-51",
     "maxclass": "live.dial",
     "numinlets": 1,
     "numoutlets": 2,
     "patching_rect": [
      260,
      420,
      44,
      48
     ],
     "outlettype": [
      "",
      "float"
     ],
     "presentation": 1,
     "presentation_rect": [
      280,
      72,
      44,
      48
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "Interval",
       "parameter_shortname": "Interval",
       "parameter_type": 0,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        0.0
       ],
       "parameter_mmin": -3.0,
       "parameter_mmax": 3.0,
       "parameter_unitstyle": 1
      }
     },
     "varname": "interval",
     "parameter_enable": 1
    }
   },
   {
    "box": {
     "id": "obj-52",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "patching_rect": [
      260,
      720,
      100,
      22
     ],
     "outlettype": [
      ""
     ],
     "text": "prepend knob average_interval"
    }
   },
   {
    "box": {
     "id": "obj-53",
     "maxclass": "live.dial",
     "numinlets": 1,
     "numoutlets": 2,
     "patching_rect": [
      500,
      420,
      44,
      48
     ],
     "outlettype": [
      "",
      "float"
     ],
     "presentation": 1,
     "presentation_rect": [
      324,
      72,
      44,
      48
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "Sync 16th",
       "parameter_shortname": "Sync16",
       "parameter_type": 0,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        0.0
       ],
       "parameter_mmin": -3.0,
       "parameter_mmax": 3.0,
       "parameter_unitstyle": 1
      }
     },
     "varname": "sync_16th",
     "parameter_enable": 1
    }
   },
   {
    "box": {
     "id": "obj-54",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "patching_rect": [
      500,
      720,
      100,
      22
     ],
     "outlettype": [
      ""
     ],
     "text": "prepend knob syncopation_16th"
    }
   },
   {
    "box": {
     "id": "obj-55",
     "maxclass": "live.dial",
     "numinlets": 1,
     "numoutlets": 2,
     "patching_rect": [
      20,
      460,
      44,
      48
     ],
     "outlettype": [
      "",
      "float"
     ],
     "presentation": 1,
     "presentation_rect": [
      368,
      72,
      44,
      48
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "Sync 8th",
       "parameter_shortname": "Sync8",
       "parameter_type": 0,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        0.0
       ],
       "parameter_mmin": -3.0,
       "parameter_mmax": 3.0,
       "parameter_unitstyle": 1
      }
     },
     "varname": "sync_8th",
     "parameter_enable": 1
    }
   },
   {
    "box": {
     "id": "obj-56",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "patching_rect": [
      20,
      760,
      100,
      22
     ],
     "outlettype": [
      ""
     ],
     "text": "prepend knob syncopation_8th"
    }
   },
   {
    "box": {
     "id": "obj-57",
     "maxclass": "live.menu",
     "numinlets": 1,
     "numoutlets": 3,
     "patching_rect": [
      260,
      460,
      56,
      15
     ],
     "outlettype": [
      "",
      "",
      "float"
     ],
     "presentation": 1,
     "presentation_rect": [
      460,
      28,
      50,
      15
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "Root",
       "parameter_shortname": "Root",
       "parameter_type": 2,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        0
       ],
       "parameter_enum": [
        "Song",
        "Off",
        "C",
        "C#",
        "D",
        "D#",
        "E",
        "F",
        "F#",
        "G",
        "G#",
        "A",
        "A#",
        "B"
       ],
       "parameter_mmax": 13
      }
     },
     "varname": "root",
     "parameter_enable": 1
    }
   },
   {
    "box": {
     "id": "obj-58",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "patching_rect": [
      260,
      760,
      100,
      22
     ],
     "outlettype": [
      ""
     ],
     "text": "prepend root"
    }
   },
   {
    "box": {
     "id": "obj-59",
     "maxclass": "live.menu",
     "numinlets": 1,
     "numoutlets": 3,
     "patching_rect": [
      500,
      460,
      90,
      15
     ],
     "outlettype": [
      "",
      "",
      "float"
     ],
     "presentation": 1,
     "presentation_rect": [
      460,
      48,
      94,
      15
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "Scale",
       "parameter_shortname": "Scale",
       "parameter_type": 2,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        0
       ],
       "parameter_enum": [
        "major",
        "minor",
        "dorian",
        "phrygian",
        "lydian",
        "mixolydian",
        "locrian",
        "harmonic_minor",
        "melodic_minor",
        "pentatonic_major",
        "pentatonic_minor",
        "blues",
        "chromatic"
       ],
       "parameter_mmax": 12
      }
     },
     "varname": "scale",
     "parameter_enable": 1
    }
   },
   {
    "box": {
     "id": "obj-60",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "patching_rect": [
      500,
      760,
      100,
      22
     ],
     "outlettype": [
      ""
     ],
     "text": "prepend scale"
    }
   },
   {
    "box": {
     "id": "obj-61",
     "maxclass": "live.numbox",
     "numinlets": 1,
     "numoutlets": 2,
     "patching_rect": [
      20,
      500,
      40,
      15
     ],
     "outlettype": [
      "",
      "float"
     ],
     "presentation": 1,
     "presentation_rect": [
      460,
      68,
      40,
      15
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "Velocity",
       "parameter_shortname": "Vel",
       "parameter_type": 1,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        0
       ],
       "parameter_mmin": 0,
       "parameter_mmax": 127,
       "parameter_unitstyle": 0
      }
     },
     "varname": "velocity",
     "parameter_enable": 1
    }
   },
   {
    "box": {
     "id": "obj-62",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "patching_rect": [
      20,
      800,
      100,
      22
     ],
     "outlettype": [
      ""
     ],
     "text": "prepend knob velocity"
    }
   },
   {
    "box": {
     "id": "obj-63",
     "maxclass": "live.dial",
     "numinlets": 1,
     "numoutlets": 2,
     "patching_rect": [
      260,
      500,
      44,
      48
     ],
     "outlettype": [
      "",
      "float"
     ],
     "presentation": 1,
     "presentation_rect": [
      280,
      6,
      44,
      48
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "Groove",
       "parameter_shortname": "Groove",
       "parameter_type": 0,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        0.0
       ],
       "parameter_mmin": 0.0,
       "parameter_mmax": 1.0,
       "parameter_unitstyle": 1
      }
     },
     "varname": "groove",
     "parameter_enable": 1
    }
   },
   {
    "box": {
     "id": "obj-64",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "patching_rect": [
      260,
      800,
      100,
      22
     ],
     "outlettype": [
      ""
     ],
     "text": "prepend knob groove"
    }
   },
   {
    "box": {
     "id": "obj-65",
     "maxclass": "live.numbox",
     "numinlets": 1,
     "numoutlets": 2,
     "patching_rect": [
      500,
      500,
      40,
      15
     ],
     "outlettype": [
      "",
      "float"
     ],
     "presentation": 1,
     "presentation_rect": [
      460,
      88,
      40,
      15
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "Octave",
       "parameter_shortname": "Oct",
       "parameter_type": 1,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        0
       ],
       "parameter_mmin": -4,
       "parameter_mmax": 4,
       "parameter_unitstyle": 0
      }
     },
     "varname": "octave",
     "parameter_enable": 1
    }
   },
   {
    "box": {
     "id": "obj-66",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "patching_rect": [
      500,
      800,
      100,
      22
     ],
     "outlettype": [
      ""
     ],
     "text": "prepend knob octave"
    }
   },
   {
    "box": {
     "id": "obj-68",
     "maxclass": "newobj",
     "numinlets": 3,
     "numoutlets": 2,
     "outlettype": [
      "int",
      "int"
     ],
     "patching_rect": [
      460,
      450,
      80,
      22
     ],
     "text": "pipe 0 0 0"
    }
   },
   {
    "box": {
     "id": "obj-69",
     "maxclass": "newobj",
     "numinlets": 2,
     "numoutlets": 1,
     "outlettype": [
      ""
     ],
     "patching_rect": [
      460,
      466,
      60,
      22
     ],
     "text": "pack 0 0"
    }
   },
   {
    "box": {
     "id": "obj-70",
     "maxclass": "live.numbox",
     "numinlets": 1,
     "numoutlets": 2,
     "outlettype": [
      "",
      "float"
     ],
     "patching_rect": [
      560,
      500,
      40,
      15
     ],
     "presentation": 1,
     "presentation_rect": [
      460,
      108,
      40,
      15
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "Range Low",
       "parameter_shortname": "Low",
       "parameter_type": 1,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        0
       ],
       "parameter_mmin": 0,
       "parameter_mmax": 127,
       "parameter_unitstyle": 8
      }
     },
     "varname": "range_low",
     "parameter_enable": 1
    }
   },
   {
    "box": {
     "id": "obj-71",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "outlettype": [
      ""
     ],
     "patching_rect": [
      560,
      800,
      130,
      22
     ],
     "text": "prepend knob range_low"
    }
   },
   {
    "box": {
     "id": "obj-72",
     "maxclass": "live.numbox",
     "numinlets": 1,
     "numoutlets": 2,
     "outlettype": [
      "",
      "float"
     ],
     "patching_rect": [
      620,
      500,
      40,
      15
     ],
     "presentation": 1,
     "presentation_rect": [
      516,
      108,
      38,
      15
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "Range High",
       "parameter_shortname": "High",
       "parameter_type": 1,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        127
       ],
       "parameter_mmin": 0,
       "parameter_mmax": 127,
       "parameter_unitstyle": 8
      }
     },
     "varname": "range_high",
     "parameter_enable": 1
    }
   },
   {
    "box": {
     "id": "obj-73",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "outlettype": [
      ""
     ],
     "patching_rect": [
      620,
      830,
      130,
      22
     ],
     "text": "prepend knob range_high"
    }
   },
   {
    "box": {
     "id": "obj-74",
     "maxclass": "comment",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      700,
      470,
      50,
      20
     ],
     "text": "Model",
     "presentation": 1,
     "presentation_rect": [
      6,
      68,
      34,
      15
     ],
     "fontsize": 9.0
    }
   },
   {
    "box": {
     "id": "obj-75",
     "maxclass": "umenu",
     "numinlets": 1,
     "numoutlets": 3,
     "outlettype": [
      "int",
      "",
      ""
     ],
     "items": [
      "default"
     ],
     "parameter_enable": 0,
     "patching_rect": [
      700,
      490,
      100,
      22
     ],
     "presentation": 1,
     "presentation_rect": [
      40,
      68,
      144,
      15
     ],
     "varname": "model"
    }
   },
   {
    "box": {
     "id": "obj-76",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "outlettype": [
      ""
     ],
     "patching_rect": [
      700,
      860,
      90,
      22
     ],
     "text": "prepend model"
    }
   },
   {
    "box": {
     "id": "obj-77",
     "maxclass": "newobj",
     "text": "prepend clock",
     "numinlets": 1,
     "numoutlets": 1,
     "outlettype": [
      ""
     ],
     "patching_rect": [
      140,
      80,
      90,
      22
     ]
    }
   },
   {
    "box": {
     "id": "obj-78",
     "maxclass": "newobj",
     "text": "udpsend 127.0.0.1 9800",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      470,
      520,
      150,
      22
     ]
    }
   },
   {
    "box": {
     "id": "obj-79",
     "maxclass": "comment",
     "text": "Track",
     "numinlets": 1,
     "numoutlets": 0,
     "fontsize": 9.0,
     "patching_rect": [
      20,
      640,
      60,
      20
     ],
     "presentation": 1,
     "presentation_rect": [
      18,
      8,
      28,
      15
     ]
    }
   },
   {
    "box": {
     "id": "obj-80",
     "maxclass": "comment",
     "text": "Scene",
     "numinlets": 1,
     "numoutlets": 0,
     "fontsize": 9.0,
     "patching_rect": [
      90,
      640,
      60,
      20
     ],
     "presentation": 1,
     "presentation_rect": [
      74,
      8,
      30,
      15
     ]
    }
   },
   {
    "box": {
     "id": "obj-81",
     "maxclass": "comment",
     "text": "Track",
     "numinlets": 1,
     "numoutlets": 0,
     "fontsize": 9.0,
     "patching_rect": [
      160,
      640,
      60,
      20
     ],
     "presentation": 1,
     "presentation_rect": [
      18,
      28,
      28,
      15
     ]
    }
   },
   {
    "box": {
     "id": "obj-82",
     "maxclass": "comment",
     "text": "Scene",
     "numinlets": 1,
     "numoutlets": 0,
     "fontsize": 9.0,
     "patching_rect": [
      230,
      640,
      60,
      20
     ],
     "presentation": 1,
     "presentation_rect": [
      74,
      28,
      30,
      15
     ]
    }
   },
   {
    "box": {
     "id": "obj-83",
     "maxclass": "comment",
     "text": "Load clips",
     "numinlets": 1,
     "numoutlets": 0,
     "fontsize": 9.0,
     "patching_rect": [
      300,
      640,
      60,
      20
     ],
     "presentation": 1,
     "presentation_rect": [
      23,
      49,
      60,
      15
     ]
    }
   },
   {
    "box": {
     "id": "obj-84",
     "maxclass": "comment",
     "text": "Mode",
     "numinlets": 1,
     "numoutlets": 0,
     "fontsize": 9.0,
     "patching_rect": [
      20,
      662,
      60,
      20
     ],
     "presentation": 1,
     "presentation_rect": [
      6,
      88,
      34,
      15
     ]
    }
   },
   {
    "box": {
     "id": "obj-85",
     "maxclass": "comment",
     "text": "Steps",
     "numinlets": 1,
     "numoutlets": 0,
     "fontsize": 9.0,
     "patching_rect": [
      90,
      662,
      60,
      20
     ],
     "presentation": 1,
     "presentation_rect": [
      6,
      108,
      34,
      15
     ]
    }
   },
   {
    "box": {
     "id": "obj-86",
     "maxclass": "comment",
     "text": "Bars",
     "numinlets": 1,
     "numoutlets": 0,
     "fontsize": 9.0,
     "patching_rect": [
      160,
      662,
      60,
      20
     ],
     "presentation": 1,
     "presentation_rect": [
      80,
      108,
      28,
      15
     ]
    }
   },
   {
    "box": {
     "id": "obj-87",
     "maxclass": "comment",
     "text": "Seed",
     "numinlets": 1,
     "numoutlets": 0,
     "fontsize": 9.0,
     "patching_rect": [
      230,
      662,
      60,
      20
     ],
     "presentation": 1,
     "presentation_rect": [
      418,
      8,
      42,
      15
     ]
    }
   },
   {
    "box": {
     "id": "obj-88",
     "maxclass": "comment",
     "text": "Root",
     "numinlets": 1,
     "numoutlets": 0,
     "fontsize": 9.0,
     "patching_rect": [
      300,
      662,
      60,
      20
     ],
     "presentation": 1,
     "presentation_rect": [
      418,
      28,
      42,
      15
     ]
    }
   },
   {
    "box": {
     "id": "obj-89",
     "maxclass": "comment",
     "text": "Scale",
     "numinlets": 1,
     "numoutlets": 0,
     "fontsize": 9.0,
     "patching_rect": [
      20,
      684,
      60,
      20
     ],
     "presentation": 1,
     "presentation_rect": [
      418,
      48,
      42,
      15
     ]
    }
   },
   {
    "box": {
     "id": "obj-90",
     "maxclass": "comment",
     "text": "Velocity",
     "numinlets": 1,
     "numoutlets": 0,
     "fontsize": 9.0,
     "patching_rect": [
      90,
      684,
      60,
      20
     ],
     "presentation": 1,
     "presentation_rect": [
      418,
      68,
      42,
      15
     ]
    }
   },
   {
    "box": {
     "id": "obj-91",
     "maxclass": "comment",
     "text": "Octave",
     "numinlets": 1,
     "numoutlets": 0,
     "fontsize": 9.0,
     "patching_rect": [
      160,
      684,
      60,
      20
     ],
     "presentation": 1,
     "presentation_rect": [
      418,
      88,
      42,
      15
     ]
    }
   },
   {
    "box": {
     "id": "obj-92",
     "maxclass": "comment",
     "text": "Range",
     "numinlets": 1,
     "numoutlets": 0,
     "fontsize": 9.0,
     "patching_rect": [
      230,
      684,
      60,
      20
     ],
     "presentation": 1,
     "presentation_rect": [
      418,
      108,
      42,
      15
     ]
    }
   },
   {
    "box": {
     "id": "obj-93",
     "maxclass": "comment",
     "text": "to",
     "numinlets": 1,
     "numoutlets": 0,
     "fontsize": 9.0,
     "patching_rect": [
      300,
      684,
      60,
      20
     ],
     "presentation": 1,
     "presentation_rect": [
      502,
      108,
      14,
      15
     ]
    }
   },
   {
    "box": {
     "id": "obj-94",
     "maxclass": "live.text",
     "numinlets": 1,
     "numoutlets": 2,
     "outlettype": [
      "",
      ""
     ],
     "patching_rect": [
      1000,
      40,
      50,
      15
     ],
     "presentation": 1,
     "presentation_rect": [
      566,
      6,
      80,
      15
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "XY Pad",
       "parameter_shortname": "XY",
       "parameter_type": 2,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        0
       ],
       "parameter_enum": [
        "off",
        "on"
       ],
       "parameter_mmax": 1
      }
     },
     "varname": "pad",
     "text": "XY pad",
     "texton": "XY pad",
     "mode": 1,
     "parameter_enable": 1
    }
   },
   {
    "box": {
     "id": "obj-95",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "patching_rect": [
      1000,
      70,
      97,
      22
     ],
     "outlettype": [
      ""
     ],
     "text": "prepend pad"
    }
   },
   {
    "box": {
     "id": "obj-96",
     "maxclass": "pictslider",
     "numinlets": 2,
     "numoutlets": 2,
     "outlettype": [
      "int",
      "int"
     ],
     "parameter_enable": 0,
     "patching_rect": [
      1000,
      110,
      80,
      80
     ],
     "presentation": 1,
     "presentation_rect": [
      566,
      24,
      80,
      80
     ],
     "leftvalue": 0,
     "rightvalue": 127,
     "topvalue": 0,
     "bottomvalue": 127,
     "varname": "xy_pad"
    }
   },
   {
    "box": {
     "id": "obj-97",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "patching_rect": [
      1000,
      200,
      104,
      22
     ],
     "outlettype": [
      ""
     ],
     "text": "prepend padx"
    }
   },
   {
    "box": {
     "id": "obj-98",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "patching_rect": [
      1110,
      200,
      104,
      22
     ],
     "outlettype": [
      ""
     ],
     "text": "prepend pady"
    }
   },
   {
    "box": {
     "id": "obj-99",
     "maxclass": "live.dial",
     "numinlets": 1,
     "numoutlets": 2,
     "outlettype": [
      "",
      "float"
     ],
     "patching_rect": [
      1220,
      110,
      44,
      48
     ],
     "presentation": 1,
     "presentation_rect": [
      654,
      24,
      44,
      48
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "X",
       "parameter_shortname": "X",
       "parameter_type": 0,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        0.0
       ],
       "parameter_mmin": 0.0,
       "parameter_mmax": 1.0,
       "parameter_unitstyle": 1
      }
     },
     "varname": "xy_x",
     "parameter_enable": 1
    }
   },
   {
    "box": {
     "id": "obj-100",
     "maxclass": "live.dial",
     "numinlets": 1,
     "numoutlets": 2,
     "outlettype": [
      "",
      "float"
     ],
     "patching_rect": [
      1280,
      110,
      44,
      48
     ],
     "presentation": 1,
     "presentation_rect": [
      698,
      24,
      44,
      48
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "Y",
       "parameter_shortname": "Y",
       "parameter_type": 0,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        0.0
       ],
       "parameter_mmin": 0.0,
       "parameter_mmax": 1.0,
       "parameter_unitstyle": 1
      }
     },
     "varname": "xy_y",
     "parameter_enable": 1
    }
   },
   {
    "box": {
     "id": "obj-101",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "patching_rect": [
      1220,
      240,
      104,
      22
     ],
     "outlettype": [
      ""
     ],
     "text": "prepend xy x"
    }
   },
   {
    "box": {
     "id": "obj-102",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "patching_rect": [
      1320,
      240,
      104,
      22
     ],
     "outlettype": [
      ""
     ],
     "text": "prepend xy y"
    }
   },
   {
    "box": {
     "id": "obj-103",
     "maxclass": "comment",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      1220,
      280,
      90,
      20
     ],
     "text": "A B top, C D below",
     "presentation": 1,
     "presentation_rect": [
      654,
      76,
      90,
      15
     ],
     "fontsize": 9.0
    }
   },
   {
    "box": {
     "id": "obj-104",
     "maxclass": "comment",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      1000,
      320,
      40,
      20
     ],
     "text": "C",
     "presentation": 1,
     "presentation_rect": [
      566,
      108,
      12,
      15
     ],
     "fontsize": 9.0
    }
   },
   {
    "box": {
     "id": "obj-105",
     "maxclass": "comment",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      1020,
      320,
      40,
      20
     ],
     "text": "Track",
     "presentation": 1,
     "presentation_rect": [
      578,
      108,
      28,
      15
     ],
     "fontsize": 9.0
    }
   },
   {
    "box": {
     "id": "obj-106",
     "maxclass": "live.numbox",
     "numinlets": 1,
     "numoutlets": 2,
     "outlettype": [
      "",
      "float"
     ],
     "patching_rect": [
      1060,
      350,
      34,
      15
     ],
     "presentation": 1,
     "presentation_rect": [
      606,
      108,
      26,
      15
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "C Track",
       "parameter_shortname": "C Trk",
       "parameter_type": 1,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        1
       ],
       "parameter_mmin": 1,
       "parameter_mmax": 64,
       "parameter_unitstyle": 0
      }
     },
     "varname": "c_track",
     "parameter_enable": 1
    }
   },
   {
    "box": {
     "id": "obj-107",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "patching_rect": [
      1060,
      380,
      160,
      22
     ],
     "outlettype": [
      ""
     ],
     "text": "prepend pick C track"
    }
   },
   {
    "box": {
     "id": "obj-108",
     "maxclass": "comment",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      1120,
      320,
      40,
      20
     ],
     "text": "Scene",
     "presentation": 1,
     "presentation_rect": [
      634,
      108,
      30,
      15
     ],
     "fontsize": 9.0
    }
   },
   {
    "box": {
     "id": "obj-109",
     "maxclass": "live.numbox",
     "numinlets": 1,
     "numoutlets": 2,
     "outlettype": [
      "",
      "float"
     ],
     "patching_rect": [
      1160,
      350,
      34,
      15
     ],
     "presentation": 1,
     "presentation_rect": [
      664,
      108,
      26,
      15
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "C Scene",
       "parameter_shortname": "C Scn",
       "parameter_type": 1,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        3
       ],
       "parameter_mmin": 1,
       "parameter_mmax": 64,
       "parameter_unitstyle": 0
      }
     },
     "varname": "c_scene",
     "parameter_enable": 1
    }
   },
   {
    "box": {
     "id": "obj-110",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "patching_rect": [
      1160,
      380,
      160,
      22
     ],
     "outlettype": [
      ""
     ],
     "text": "prepend pick C scene"
    }
   },
   {
    "box": {
     "id": "obj-111",
     "maxclass": "live.text",
     "numinlets": 1,
     "numoutlets": 2,
     "outlettype": [
      "",
      ""
     ],
     "patching_rect": [
      1260,
      350,
      50,
      15
     ],
     "presentation": 1,
     "presentation_rect": [
      694,
      108,
      50,
      15
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "C Selected",
       "parameter_shortname": "C Sel",
       "parameter_type": 2,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        0
       ],
       "parameter_enum": [
        "track",
        "selected"
       ],
       "parameter_mmax": 1
      }
     },
     "varname": "c_selected",
     "text": "track",
     "texton": "selected",
     "mode": 1,
     "parameter_enable": 1
    }
   },
   {
    "box": {
     "id": "obj-112",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "patching_rect": [
      1260,
      380,
      181,
      22
     ],
     "outlettype": [
      ""
     ],
     "text": "prepend pick C selected"
    }
   },
   {
    "box": {
     "id": "obj-113",
     "maxclass": "comment",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      1000,
      440,
      40,
      20
     ],
     "text": "D",
     "presentation": 1,
     "presentation_rect": [
      566,
      128,
      12,
      15
     ],
     "fontsize": 9.0
    }
   },
   {
    "box": {
     "id": "obj-114",
     "maxclass": "comment",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      1020,
      440,
      40,
      20
     ],
     "text": "Track",
     "presentation": 1,
     "presentation_rect": [
      578,
      128,
      28,
      15
     ],
     "fontsize": 9.0
    }
   },
   {
    "box": {
     "id": "obj-115",
     "maxclass": "live.numbox",
     "numinlets": 1,
     "numoutlets": 2,
     "outlettype": [
      "",
      "float"
     ],
     "patching_rect": [
      1060,
      470,
      34,
      15
     ],
     "presentation": 1,
     "presentation_rect": [
      606,
      128,
      26,
      15
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "D Track",
       "parameter_shortname": "D Trk",
       "parameter_type": 1,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        1
       ],
       "parameter_mmin": 1,
       "parameter_mmax": 64,
       "parameter_unitstyle": 0
      }
     },
     "varname": "d_track",
     "parameter_enable": 1
    }
   },
   {
    "box": {
     "id": "obj-116",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "patching_rect": [
      1060,
      500,
      160,
      22
     ],
     "outlettype": [
      ""
     ],
     "text": "prepend pick D track"
    }
   },
   {
    "box": {
     "id": "obj-117",
     "maxclass": "comment",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      1120,
      440,
      40,
      20
     ],
     "text": "Scene",
     "presentation": 1,
     "presentation_rect": [
      634,
      128,
      30,
      15
     ],
     "fontsize": 9.0
    }
   },
   {
    "box": {
     "id": "obj-118",
     "maxclass": "live.numbox",
     "numinlets": 1,
     "numoutlets": 2,
     "outlettype": [
      "",
      "float"
     ],
     "patching_rect": [
      1160,
      470,
      34,
      15
     ],
     "presentation": 1,
     "presentation_rect": [
      664,
      128,
      26,
      15
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "D Scene",
       "parameter_shortname": "D Scn",
       "parameter_type": 1,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        4
       ],
       "parameter_mmin": 1,
       "parameter_mmax": 64,
       "parameter_unitstyle": 0
      }
     },
     "varname": "d_scene",
     "parameter_enable": 1
    }
   },
   {
    "box": {
     "id": "obj-119",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "patching_rect": [
      1160,
      500,
      160,
      22
     ],
     "outlettype": [
      ""
     ],
     "text": "prepend pick D scene"
    }
   },
   {
    "box": {
     "id": "obj-120",
     "maxclass": "live.text",
     "numinlets": 1,
     "numoutlets": 2,
     "outlettype": [
      "",
      ""
     ],
     "patching_rect": [
      1260,
      470,
      50,
      15
     ],
     "presentation": 1,
     "presentation_rect": [
      694,
      128,
      50,
      15
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "D Selected",
       "parameter_shortname": "D Sel",
       "parameter_type": 2,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        0
       ],
       "parameter_enum": [
        "track",
        "selected"
       ],
       "parameter_mmax": 1
      }
     },
     "varname": "d_selected",
     "text": "track",
     "texton": "selected",
     "mode": 1,
     "parameter_enable": 1
    }
   },
   {
    "box": {
     "id": "obj-121",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "patching_rect": [
      1260,
      500,
      181,
      22
     ],
     "outlettype": [
      ""
     ],
     "text": "prepend pick D selected"
    }
   },
   {
    "box": {
     "id": "obj-122",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 2,
     "outlettype": [
      "",
      ""
     ],
     "patching_rect": [
      300,
      470,
      80,
      22
     ],
     "text": "thispatcher"
    }
   },
   {
    "box": {
     "id": "obj-123",
     "maxclass": "comment",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      1340,
      20,
      340,
      20
     ],
     "text": " ",
     "presentation": 1,
     "presentation_rect": [
      766,
      4,
      340,
      13
     ],
     "fontsize": 9.0,
     "varname": "caps"
    }
   },
   {
    "box": {
     "id": "obj-124",
     "maxclass": "comment",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      1340,
      48,
      60,
      20
     ],
     "text": "Clip",
     "presentation": 1,
     "presentation_rect": [
      766,
      20,
      26,
      15
     ],
     "fontsize": 10.0
    }
   },
   {
    "box": {
     "id": "obj-125",
     "maxclass": "comment",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      1340,
      76,
      60,
      20
     ],
     "text": "Track",
     "presentation": 1,
     "presentation_rect": [
      792,
      20,
      28,
      15
     ],
     "fontsize": 9.0
    }
   },
   {
    "box": {
     "maxclass": "live.numbox",
     "outlettype": [
      "",
      "float"
     ],
     "presentation_rect": [
      820,
      20,
      26,
      15
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "Clip Track",
       "parameter_shortname": "Clip Trk",
       "parameter_type": 1,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        1
       ],
       "parameter_mmin": 1,
       "parameter_mmax": 64,
       "parameter_unitstyle": 0
      }
     },
     "varname": "tool_track",
     "id": "obj-126",
     "numinlets": 1,
     "numoutlets": 2,
     "patching_rect": [
      1340,
      104,
      26,
      18
     ],
     "presentation": 1,
     "parameter_enable": 1
    }
   },
   {
    "box": {
     "id": "obj-127",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "outlettype": [
      ""
     ],
     "patching_rect": [
      1340,
      132,
      160,
      22
     ],
     "text": "prepend pick tool track"
    }
   },
   {
    "box": {
     "id": "obj-128",
     "maxclass": "comment",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      1340,
      160,
      60,
      20
     ],
     "text": "Scene",
     "presentation": 1,
     "presentation_rect": [
      848,
      20,
      30,
      15
     ],
     "fontsize": 9.0
    }
   },
   {
    "box": {
     "maxclass": "live.numbox",
     "outlettype": [
      "",
      "float"
     ],
     "presentation_rect": [
      878,
      20,
      26,
      15
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "Clip Scene",
       "parameter_shortname": "Clip Scn",
       "parameter_type": 1,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        1
       ],
       "parameter_mmin": 1,
       "parameter_mmax": 64,
       "parameter_unitstyle": 0
      }
     },
     "varname": "tool_scene",
     "id": "obj-129",
     "numinlets": 1,
     "numoutlets": 2,
     "patching_rect": [
      1340,
      188,
      26,
      18
     ],
     "presentation": 1,
     "parameter_enable": 1
    }
   },
   {
    "box": {
     "id": "obj-130",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "outlettype": [
      ""
     ],
     "patching_rect": [
      1340,
      216,
      160,
      22
     ],
     "text": "prepend pick tool scene"
    }
   },
   {
    "box": {
     "maxclass": "live.text",
     "outlettype": [
      "",
      ""
     ],
     "presentation_rect": [
      908,
      20,
      50,
      15
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "Clip Selected",
       "parameter_shortname": "Clip Sel",
       "parameter_type": 2,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        1
       ],
       "parameter_enum": [
        "track",
        "selected"
       ],
       "parameter_mmax": 1
      }
     },
     "varname": "tool_selected",
     "text": "track",
     "texton": "selected",
     "mode": 1,
     "id": "obj-131",
     "numinlets": 1,
     "numoutlets": 2,
     "patching_rect": [
      1340,
      244,
      50,
      18
     ],
     "presentation": 1,
     "parameter_enable": 1
    }
   },
   {
    "box": {
     "id": "obj-132",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "outlettype": [
      ""
     ],
     "patching_rect": [
      1340,
      272,
      160,
      22
     ],
     "text": "prepend pick tool selected"
    }
   },
   {
    "box": {
     "id": "obj-133",
     "maxclass": "comment",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      1340,
      300,
      60,
      20
     ],
     "text": "Amount",
     "presentation": 1,
     "presentation_rect": [
      766,
      38,
      40,
      15
     ],
     "fontsize": 10.0
    }
   },
   {
    "box": {
     "maxclass": "live.numbox",
     "outlettype": [
      "",
      "float"
     ],
     "presentation_rect": [
      806,
      38,
      34,
      15
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "Groove Amount",
       "parameter_shortname": "Amount",
       "parameter_type": 0,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        1.0
       ],
       "parameter_mmin": 0.0,
       "parameter_mmax": 1.0,
       "parameter_unitstyle": 1
      }
     },
     "varname": "tool_amount",
     "id": "obj-134",
     "numinlets": 1,
     "numoutlets": 2,
     "patching_rect": [
      1340,
      328,
      34,
      18
     ],
     "presentation": 1,
     "parameter_enable": 1
    }
   },
   {
    "box": {
     "id": "obj-135",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "outlettype": [
      ""
     ],
     "patching_rect": [
      1340,
      356,
      160,
      22
     ],
     "text": "prepend tool amount"
    }
   },
   {
    "box": {
     "id": "obj-136",
     "maxclass": "comment",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      1340,
      384,
      60,
      20
     ],
     "text": "Temp",
     "presentation": 1,
     "presentation_rect": [
      844,
      38,
      30,
      15
     ],
     "fontsize": 10.0
    }
   },
   {
    "box": {
     "maxclass": "live.numbox",
     "outlettype": [
      "",
      "float"
     ],
     "presentation_rect": [
      874,
      38,
      34,
      15
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "Groove Temperature",
       "parameter_shortname": "G Temp",
       "parameter_type": 0,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        0.0
       ],
       "parameter_mmin": 0.0,
       "parameter_mmax": 4.0,
       "parameter_unitstyle": 1
      }
     },
     "varname": "tool_temp",
     "id": "obj-137",
     "numinlets": 1,
     "numoutlets": 2,
     "patching_rect": [
      1340,
      412,
      34,
      18
     ],
     "presentation": 1,
     "parameter_enable": 1
    }
   },
   {
    "box": {
     "id": "obj-138",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "outlettype": [
      ""
     ],
     "patching_rect": [
      1340,
      440,
      160,
      22
     ],
     "text": "prepend tool temperature"
    }
   },
   {
    "box": {
     "maxclass": "live.text",
     "outlettype": [
      "",
      ""
     ],
     "presentation_rect": [
      914,
      38,
      58,
      15
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "Groove Clip",
       "parameter_shortname": "Groove",
       "parameter_type": 2,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        0
       ],
       "parameter_enum": [
        "off",
        "on"
       ],
       "parameter_mmax": 1
      }
     },
     "varname": "groove_clip",
     "text": "Groove",
     "mode": 0,
     "id": "obj-139",
     "numinlets": 1,
     "numoutlets": 2,
     "patching_rect": [
      1340,
      468,
      58,
      18
     ],
     "presentation": 1,
     "parameter_enable": 1
    }
   },
   {
    "box": {
     "id": "obj-140",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "outlettype": [
      ""
     ],
     "patching_rect": [
      1340,
      496,
      160,
      22
     ],
     "text": "prepend groove"
    }
   },
   {
    "box": {
     "maxclass": "live.text",
     "outlettype": [
      "",
      ""
     ],
     "presentation_rect": [
      976,
      38,
      58,
      15
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "Drumify Clip",
       "parameter_shortname": "Drumify",
       "parameter_type": 2,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        0
       ],
       "parameter_enum": [
        "off",
        "on"
       ],
       "parameter_mmax": 1
      }
     },
     "varname": "drumify_clip",
     "text": "Drumify",
     "mode": 0,
     "id": "obj-141",
     "numinlets": 1,
     "numoutlets": 2,
     "patching_rect": [
      1340,
      524,
      58,
      18
     ],
     "presentation": 1,
     "parameter_enable": 1
    }
   },
   {
    "box": {
     "id": "obj-142",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "outlettype": [
      ""
     ],
     "patching_rect": [
      1340,
      552,
      160,
      22
     ],
     "text": "prepend drumify"
    }
   },
   {
    "box": {
     "id": "obj-143",
     "maxclass": "comment",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      1340,
      580,
      340,
      20
     ],
     "text": " ",
     "presentation": 1,
     "presentation_rect": [
      766,
      55,
      340,
      13
     ],
     "fontsize": 9.0,
     "varname": "groove_why_0"
    }
   },
   {
    "box": {
     "id": "obj-144",
     "maxclass": "comment",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      1340,
      608,
      340,
      20
     ],
     "text": " ",
     "presentation": 1,
     "presentation_rect": [
      766,
      68,
      340,
      13
     ],
     "fontsize": 9.0,
     "varname": "groove_why_1"
    }
   },
   {
    "box": {
     "id": "obj-145",
     "maxclass": "comment",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      1340,
      636,
      340,
      20
     ],
     "text": " ",
     "presentation": 1,
     "presentation_rect": [
      766,
      81,
      340,
      13
     ],
     "fontsize": 9.0,
     "varname": "groove_why_2"
    }
   },
   {
    "box": {
     "id": "obj-146",
     "maxclass": "comment",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      1340,
      664,
      60,
      20
     ],
     "text": "Chords",
     "presentation": 1,
     "presentation_rect": [
      766,
      96,
      38,
      15
     ],
     "fontsize": 10.0
    }
   },
   {
    "box": {
     "id": "obj-147",
     "maxclass": "textedit",
     "numinlets": 1,
     "numoutlets": 4,
     "outlettype": [
      "",
      "int",
      "",
      ""
     ],
     "patching_rect": [
      1340,
      692,
      234,
      18
     ],
     "presentation": 1,
     "presentation_rect": [
      806,
      96,
      234,
      15
     ],
     "keymode": 1,
     "lines": 1,
     "outputmode": 1,
     "parameter_enable": 0,
     "fontsize": 9.0,
     "text": "",
     "varname": "chords"
    }
   },
   {
    "box": {
     "maxclass": "live.text",
     "outlettype": [
      "",
      ""
     ],
     "presentation_rect": [
      1044,
      96,
      62,
      15
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "Chords From Clip",
       "parameter_shortname": "From clip",
       "parameter_type": 2,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        0
       ],
       "parameter_enum": [
        "off",
        "on"
       ],
       "parameter_mmax": 1
      }
     },
     "varname": "chords_clip",
     "text": "From clip",
     "mode": 0,
     "id": "obj-148",
     "numinlets": 1,
     "numoutlets": 2,
     "patching_rect": [
      1340,
      720,
      62,
      18
     ],
     "presentation": 1,
     "parameter_enable": 1
    }
   },
   {
    "box": {
     "id": "obj-149",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "outlettype": [
      ""
     ],
     "patching_rect": [
      1340,
      748,
      160,
      22
     ],
     "text": "prepend chordsclip"
    }
   },
   {
    "box": {
     "id": "obj-150",
     "maxclass": "comment",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      1340,
      776,
      340,
      20
     ],
     "text": " ",
     "presentation": 1,
     "presentation_rect": [
      766,
      113,
      340,
      13
     ],
     "fontsize": 9.0,
     "varname": "chords_why_0"
    }
   },
   {
    "box": {
     "id": "obj-151",
     "maxclass": "comment",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      1340,
      804,
      340,
      20
     ],
     "text": " ",
     "presentation": 1,
     "presentation_rect": [
      766,
      126,
      340,
      13
     ],
     "fontsize": 9.0,
     "varname": "chords_why_1"
    }
   },
   {
    "box": {
     "id": "obj-152",
     "maxclass": "comment",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      1340,
      832,
      340,
      20
     ],
     "text": " ",
     "presentation": 1,
     "presentation_rect": [
      766,
      139,
      340,
      13
     ],
     "fontsize": 9.0,
     "varname": "chords_why_2"
    }
   },
   {
    "box": {
     "id": "obj-153",
     "maxclass": "comment",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      1340,
      860,
      60,
      20
     ],
     "text": " ",
     "presentation": 1,
     "presentation_rect": [
      192,
      121,
      44,
      12
     ],
     "fontsize": 9.0,
     "varname": "weak_note_density",
     "textjustification": 1
    }
   },
   {
    "box": {
     "id": "obj-154",
     "maxclass": "comment",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      1340,
      888,
      60,
      20
     ],
     "text": " ",
     "presentation": 1,
     "presentation_rect": [
      236,
      121,
      44,
      12
     ],
     "fontsize": 9.0,
     "varname": "weak_c_diatonic",
     "textjustification": 1
    }
   },
   {
    "box": {
     "id": "obj-155",
     "maxclass": "comment",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      1340,
      916,
      60,
      20
     ],
     "text": " ",
     "presentation": 1,
     "presentation_rect": [
      280,
      121,
      44,
      12
     ],
     "fontsize": 9.0,
     "varname": "weak_average_interval",
     "textjustification": 1
    }
   },
   {
    "box": {
     "id": "obj-156",
     "maxclass": "comment",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      1340,
      944,
      60,
      20
     ],
     "text": " ",
     "presentation": 1,
     "presentation_rect": [
      324,
      121,
      44,
      12
     ],
     "fontsize": 9.0,
     "varname": "weak_syncopation_16th",
     "textjustification": 1
    }
   },
   {
    "box": {
     "id": "obj-157",
     "maxclass": "comment",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      1340,
      972,
      60,
      20
     ],
     "text": " ",
     "presentation": 1,
     "presentation_rect": [
      368,
      121,
      44,
      12
     ],
     "fontsize": 9.0,
     "varname": "weak_syncopation_8th",
     "textjustification": 1
    }
   }
  ],
  "lines": [
   {
    "patchline": {
     "source": [
      "obj-2",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-3",
      0
     ],
     "destination": [
      "obj-4",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-5",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-1",
      0
     ],
     "destination": [
      "obj-6",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      0
     ],
     "destination": [
      "obj-9",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-7",
      0
     ],
     "destination": [
      "obj-9",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-1",
      2
     ],
     "destination": [
      "obj-10",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-1",
      3
     ],
     "destination": [
      "obj-5",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-1",
      4
     ],
     "destination": [
      "obj-11",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-11",
      0
     ],
     "destination": [
      "obj-12",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-12",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-1",
      5
     ],
     "destination": [
      "obj-13",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-13",
      0
     ],
     "destination": [
      "obj-14",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-14",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-16",
      0
     ],
     "destination": [
      "obj-17",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-17",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-18",
      0
     ],
     "destination": [
      "obj-19",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-19",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-20",
      0
     ],
     "destination": [
      "obj-21",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-21",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-23",
      0
     ],
     "destination": [
      "obj-24",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-24",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-25",
      0
     ],
     "destination": [
      "obj-26",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-26",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-27",
      0
     ],
     "destination": [
      "obj-28",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-28",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-29",
      0
     ],
     "destination": [
      "obj-30",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-30",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-31",
      0
     ],
     "destination": [
      "obj-32",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-32",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-33",
      0
     ],
     "destination": [
      "obj-34",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-34",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-35",
      0
     ],
     "destination": [
      "obj-36",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-36",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-37",
      0
     ],
     "destination": [
      "obj-38",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-38",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-39",
      0
     ],
     "destination": [
      "obj-40",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-40",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-41",
      0
     ],
     "destination": [
      "obj-42",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-42",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-43",
      0
     ],
     "destination": [
      "obj-44",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-44",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-45",
      0
     ],
     "destination": [
      "obj-46",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-46",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-47",
      0
     ],
     "destination": [
      "obj-48",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-48",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-49",
      0
     ],
     "destination": [
      "obj-50",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-50",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-51",
      0
     ],
     "destination": [
      "obj-52",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-52",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-53",
      0
     ],
     "destination": [
      "obj-54",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-54",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-55",
      0
     ],
     "destination": [
      "obj-56",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-56",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-57",
      0
     ],
     "destination": [
      "obj-58",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-58",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-59",
      0
     ],
     "destination": [
      "obj-60",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-60",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-61",
      0
     ],
     "destination": [
      "obj-62",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-62",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-63",
      0
     ],
     "destination": [
      "obj-64",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-64",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-65",
      0
     ],
     "destination": [
      "obj-66",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-66",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-1",
      1
     ],
     "destination": [
      "obj-68",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-68",
      0
     ],
     "destination": [
      "obj-69",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-68",
      1
     ],
     "destination": [
      "obj-69",
      1
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-69",
      0
     ],
     "destination": [
      "obj-7",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-70",
      0
     ],
     "destination": [
      "obj-71",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-71",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-72",
      0
     ],
     "destination": [
      "obj-73",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-73",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-1",
      6
     ],
     "destination": [
      "obj-75",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-75",
      0
     ],
     "destination": [
      "obj-76",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-76",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-4",
      1
     ],
     "destination": [
      "obj-77",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-77",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-1",
      7
     ],
     "destination": [
      "obj-78",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-94",
      0
     ],
     "destination": [
      "obj-95",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-95",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-96",
      0
     ],
     "destination": [
      "obj-97",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-96",
      1
     ],
     "destination": [
      "obj-98",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-97",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-98",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-1",
      8
     ],
     "destination": [
      "obj-96",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-99",
      0
     ],
     "destination": [
      "obj-101",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-101",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-1",
      9
     ],
     "destination": [
      "obj-99",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-100",
      0
     ],
     "destination": [
      "obj-102",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-102",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-1",
      10
     ],
     "destination": [
      "obj-100",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-106",
      0
     ],
     "destination": [
      "obj-107",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-107",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-109",
      0
     ],
     "destination": [
      "obj-110",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-110",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-111",
      0
     ],
     "destination": [
      "obj-112",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-112",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-115",
      0
     ],
     "destination": [
      "obj-116",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-116",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-118",
      0
     ],
     "destination": [
      "obj-119",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-119",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-120",
      0
     ],
     "destination": [
      "obj-121",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-121",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-1",
      11
     ],
     "destination": [
      "obj-122",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-126",
      0
     ],
     "destination": [
      "obj-127",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-127",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-129",
      0
     ],
     "destination": [
      "obj-130",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-130",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-131",
      0
     ],
     "destination": [
      "obj-132",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-132",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-134",
      0
     ],
     "destination": [
      "obj-135",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-135",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-137",
      0
     ],
     "destination": [
      "obj-138",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-138",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-139",
      0
     ],
     "destination": [
      "obj-140",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-140",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-141",
      0
     ],
     "destination": [
      "obj-142",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-142",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-147",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-148",
      0
     ],
     "destination": [
      "obj-149",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-149",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   }
  ],
  "parameters": {
   "obj-13": [
    "Instance",
    "Instance",
    0
   ],
   "obj-16": [
    "A Track",
    "A Trk",
    0
   ],
   "obj-18": [
    "A Scene",
    "A Scn",
    0
   ],
   "obj-20": [
    "A Selected",
    "A Sel",
    0
   ],
   "obj-23": [
    "B Track",
    "B Trk",
    0
   ],
   "obj-25": [
    "B Scene",
    "B Scn",
    0
   ],
   "obj-27": [
    "B Selected",
    "B Sel",
    0
   ],
   "obj-29": [
    "Load",
    "Load",
    0
   ],
   "obj-31": [
    "Mode",
    "Mode",
    0
   ],
   "obj-33": [
    "Steps",
    "Steps",
    0
   ],
   "obj-35": [
    "Bars",
    "Bars",
    0
   ],
   "obj-37": [
    "Write",
    "Write",
    0
   ],
   "obj-39": [
    "Capture",
    "Capture",
    0
   ],
   "obj-41": [
    "Morph",
    "Morph",
    0
   ],
   "obj-43": [
    "Temperature",
    "Temp",
    0
   ],
   "obj-45": [
    "Seed",
    "Seed",
    0
   ],
   "obj-47": [
    "Density",
    "Density",
    0
   ],
   "obj-49": [
    "Diatonic",
    "Diatonic",
    0
   ],
   "obj-51": [
    "Interval",
    "Interval",
    0
   ],
   "obj-53": [
    "Sync 16th",
    "Sync16",
    0
   ],
   "obj-55": [
    "Sync 8th",
    "Sync8",
    0
   ],
   "obj-57": [
    "Root",
    "Root",
    0
   ],
   "obj-59": [
    "Scale",
    "Scale",
    0
   ],
   "obj-61": [
    "Velocity",
    "Vel",
    0
   ],
   "obj-63": [
    "Groove",
    "Groove",
    0
   ],
   "obj-65": [
    "Octave",
    "Oct",
    0
   ],
   "obj-70": [
    "Range Low",
    "Low",
    0
   ],
   "obj-72": [
    "Range High",
    "High",
    0
   ],
   "obj-94": [
    "XY Pad",
    "XY",
    0
   ],
   "obj-99": [
    "X",
    "X",
    0
   ],
   "obj-100": [
    "Y",
    "Y",
    0
   ],
   "obj-106": [
    "C Track",
    "C Trk",
    0
   ],
   "obj-109": [
    "C Scene",
    "C Scn",
    0
   ],
   "obj-111": [
    "C Selected",
    "C Sel",
    0
   ],
   "obj-115": [
    "D Track",
    "D Trk",
    0
   ],
   "obj-118": [
    "D Scene",
    "D Scn",
    0
   ],
   "obj-120": [
    "D Selected",
    "D Sel",
    0
   ],
   "obj-126": [
    "Clip Track",
    "Clip Trk",
    0
   ],
   "obj-129": [
    "Clip Scene",
    "Clip Scn",
    0
   ],
   "obj-131": [
    "Clip Selected",
    "Clip Sel",
    0
   ],
   "obj-134": [
    "Groove Amount",
    "Amount",
    0
   ],
   "obj-137": [
    "Groove Temperature",
    "G Temp",
    0
   ],
   "obj-139": [
    "Groove Clip",
    "Groove",
    0
   ],
   "obj-141": [
    "Drumify Clip",
    "Drumify",
    0
   ],
   "obj-148": [
    "Chords From Clip",
    "From clip",
    0
   ]
  },
  "dependency_cache": [],
  "latency": 0,
  "is_mpe": 0,
  "minimum_live_version": "12.2",
  "platform_compatibility": 0,
  "autosave": 0
 }
}
