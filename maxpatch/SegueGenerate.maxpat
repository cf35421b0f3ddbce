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
   1100,
   720
  ],
  "openrect": [
   0,
   0,
   320,
   147
  ],
  "openinpresentation": 1,
  "devicewidth": 320.0,
  "default_fontsize": 10.0,
  "default_fontname": "Arial",
  "description": "Segue Generate: Sample bars, or a step Between two clips, with a MusicVAE (a MIDI Tool; needs Live 12.2+ / Max 9 and the Segue engine)",
  "parameters": {
   "obj-12": [
    "Instance",
    "Instance",
    0
   ],
   "obj-18": [
    "Mode",
    "Mode",
    0
   ],
   "obj-21": [
    "Bars",
    "Bars",
    0
   ],
   "obj-24": [
    "Seed",
    "Seed",
    0
   ],
   "obj-26": [
    "Temperature",
    "Temp",
    0
   ],
   "obj-32": [
    "A Track",
    "A Trk",
    0
   ],
   "obj-35": [
    "A Scene",
    "A Scn",
    0
   ],
   "obj-41": [
    "B Track",
    "B Trk",
    0
   ],
   "obj-44": [
    "B Scene",
    "B Scn",
    0
   ],
   "obj-47": [
    "Step",
    "Step",
    0
   ],
   "obj-50": [
    "Steps",
    "Steps",
    0
   ]
  },
  "dependency_cache": [],
  "latency": 0,
  "is_mpe": 0,
  "minimum_live_version": "12.2",
  "platform_compatibility": 0,
  "autosave": 0,
  "boxes": [
   {
    "box": {
     "id": "obj-1",
     "maxclass": "newobj",
     "text": "v8 segue_tool.js generate @embed 1",
     "numinlets": 2,
     "numoutlets": 11,
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
      ""
     ],
     "patching_rect": [
      300,
      420,
      560,
      22
     ],
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
     "text": "live.thisdevice",
     "numinlets": 1,
     "numoutlets": 3,
     "outlettype": [
      "bang",
      "int",
      "int"
     ],
     "patching_rect": [
      20,
      20,
      100,
      22
     ]
    }
   },
   {
    "box": {
     "id": "obj-3",
     "maxclass": "newobj",
     "text": "qmetro 100 @active 1",
     "numinlets": 2,
     "numoutlets": 1,
     "outlettype": [
      "bang"
     ],
     "patching_rect": [
      140,
      20,
      120,
      22
     ]
    }
   },
   {
    "box": {
     "id": "obj-4",
     "maxclass": "message",
     "text": "tick",
     "numinlets": 2,
     "numoutlets": 1,
     "outlettype": [
      ""
     ],
     "patching_rect": [
      140,
      50,
      40,
      22
     ]
    }
   },
   {
    "box": {
     "id": "obj-5",
     "maxclass": "newobj",
     "text": "live.miditool.in",
     "numinlets": 1,
     "numoutlets": 3,
     "outlettype": [
      "",
      "",
      ""
     ],
     "patching_rect": [
      300,
      320,
      110,
      22
     ]
    }
   },
   {
    "box": {
     "id": "obj-6",
     "maxclass": "newobj",
     "text": "live.miditool.out",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      300,
      480,
      110,
      22
     ]
    }
   },
   {
    "box": {
     "id": "obj-7",
     "maxclass": "newobj",
     "text": "udpsend 127.0.0.1 9797",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      420,
      480,
      150,
      22
     ]
    }
   },
   {
    "box": {
     "id": "obj-8",
     "maxclass": "newobj",
     "text": "udpreceive 0 @defer 1",
     "numinlets": 1,
     "numoutlets": 1,
     "outlettype": [
      ""
     ],
     "patching_rect": [
      520,
      20,
      130,
      22
     ]
    }
   },
   {
    "box": {
     "id": "obj-9",
     "maxclass": "newobj",
     "text": "udpsend 127.0.0.1 9800",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      580,
      480,
      150,
      22
     ]
    }
   },
   {
    "box": {
     "id": "obj-10",
     "maxclass": "newobj",
     "text": "deferlow",
     "numinlets": 1,
     "numoutlets": 1,
     "outlettype": [
      ""
     ],
     "patching_rect": [
      740,
      480,
      60,
      22
     ]
    }
   },
   {
    "box": {
     "id": "obj-11",
     "maxclass": "newobj",
     "text": "t b reapplying",
     "numinlets": 1,
     "numoutlets": 2,
     "outlettype": [
      "bang",
      ""
     ],
     "patching_rect": [
      740,
      510,
      100,
      22
     ]
    }
   },
   {
    "box": {
     "id": "obj-12",
     "maxclass": "newobj",
     "text": "pattr instance @parameter_enable 1",
     "numinlets": 1,
     "numoutlets": 3,
     "outlettype": [
      "",
      "",
      ""
     ],
     "patching_rect": [
      860,
      420,
      220,
      22
     ],
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
     "id": "obj-13",
     "maxclass": "newobj",
     "text": "prepend instance",
     "numinlets": 1,
     "numoutlets": 1,
     "outlettype": [
      ""
     ],
     "patching_rect": [
      860,
      450,
      110,
      22
     ]
    }
   },
   {
    "box": {
     "id": "obj-14",
     "maxclass": "comment",
     "text": "looking for the engine...",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      300,
      560,
      308,
      20
     ],
     "presentation": 1,
     "presentation_rect": [
      6,
      96,
      308,
      14
     ],
     "fontsize": 9.0,
     "varname": "status_0"
    }
   },
   {
    "box": {
     "id": "obj-15",
     "maxclass": "comment",
     "text": " ",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      500,
      560,
      308,
      20
     ],
     "presentation": 1,
     "presentation_rect": [
      6,
      110,
      308,
      14
     ],
     "fontsize": 9.0,
     "varname": "status_1"
    }
   },
   {
    "box": {
     "id": "obj-16",
     "maxclass": "comment",
     "text": " ",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      700,
      560,
      308,
      20
     ],
     "presentation": 1,
     "presentation_rect": [
      6,
      124,
      308,
      14
     ],
     "fontsize": 9.0,
     "varname": "status_2"
    }
   },
   {
    "box": {
     "id": "obj-17",
     "maxclass": "comment",
     "text": "Mode",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      20,
      120,
      60,
      20
     ],
     "presentation": 1,
     "presentation_rect": [
      6,
      4,
      30,
      15
     ],
     "fontsize": 9.0
    }
   },
   {
    "box": {
     "id": "obj-18",
     "maxclass": "live.tab",
     "numinlets": 1,
     "numoutlets": 3,
     "outlettype": [
      "",
      "",
      "float"
     ],
     "patching_rect": [
      20,
      150,
      100,
      16
     ],
     "presentation": 1,
     "presentation_rect": [
      38,
      4,
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
        "Sample",
        "Between"
       ],
       "parameter_mmax": 1
      }
     },
     "varname": "mode",
     "parameter_enable": 1,
     "num_lines_patching": 1,
     "num_lines_presentation": 1
    }
   },
   {
    "box": {
     "id": "obj-19",
     "maxclass": "newobj",
     "text": "prepend mode",
     "numinlets": 1,
     "numoutlets": 1,
     "outlettype": [
      ""
     ],
     "patching_rect": [
      20,
      210,
      104,
      22
     ]
    }
   },
   {
    "box": {
     "id": "obj-20",
     "maxclass": "comment",
     "text": "Bars",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      140,
      120,
      60,
      20
     ],
     "presentation": 1,
     "presentation_rect": [
      146,
      4,
      24,
      15
     ],
     "fontsize": 9.0
    }
   },
   {
    "box": {
     "id": "obj-21",
     "maxclass": "live.numbox",
     "numinlets": 1,
     "numoutlets": 2,
     "outlettype": [
      "",
      "float"
     ],
     "patching_rect": [
      140,
      150,
      34,
      15
     ],
     "presentation": 1,
     "presentation_rect": [
      172,
      4,
      26,
      15
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "Bars",
       "parameter_shortname": "Bars",
       "parameter_type": 1,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        2
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
     "id": "obj-22",
     "maxclass": "newobj",
     "text": "prepend param bars",
     "numinlets": 1,
     "numoutlets": 1,
     "outlettype": [
      ""
     ],
     "patching_rect": [
      140,
      210,
      146,
      22
     ]
    }
   },
   {
    "box": {
     "id": "obj-23",
     "maxclass": "comment",
     "text": "Seed",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      260,
      120,
      60,
      20
     ],
     "presentation": 1,
     "presentation_rect": [
      232,
      4,
      26,
      15
     ],
     "fontsize": 9.0
    }
   },
   {
    "box": {
     "id": "obj-24",
     "maxclass": "live.numbox",
     "numinlets": 1,
     "numoutlets": 2,
     "outlettype": [
      "",
      "float"
     ],
     "patching_rect": [
      260,
      150,
      34,
      15
     ],
     "presentation": 1,
     "presentation_rect": [
      260,
      4,
      48,
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
     "id": "obj-25",
     "maxclass": "newobj",
     "text": "prepend param seed",
     "numinlets": 1,
     "numoutlets": 1,
     "outlettype": [
      ""
     ],
     "patching_rect": [
      260,
      210,
      146,
      22
     ]
    }
   },
   {
    "box": {
     "id": "obj-26",
     "maxclass": "live.dial",
     "numinlets": 1,
     "numoutlets": 2,
     "outlettype": [
      "",
      "float"
     ],
     "patching_rect": [
      20,
      240,
      44,
      48
     ],
     "presentation": 1,
     "presentation_rect": [
      6,
      22,
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
     "id": "obj-27",
     "maxclass": "newobj",
     "text": "prepend param temperature",
     "numinlets": 1,
     "numoutlets": 1,
     "outlettype": [
      ""
     ],
     "patching_rect": [
      20,
      300,
      195,
      22
     ]
    }
   },
   {
    "box": {
     "id": "obj-28",
     "maxclass": "comment",
     "text": "A",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      140,
      630,
      60,
      20
     ],
     "presentation": 1,
     "presentation_rect": [
      56,
      24,
      12,
      15
     ],
     "fontsize": 9.0
    }
   },
   {
    "box": {
     "id": "obj-29",
     "maxclass": "umenu",
     "numinlets": 1,
     "numoutlets": 3,
     "outlettype": [
      "int",
      "",
      ""
     ],
     "items": [
      "clip at Track / Scene"
     ],
     "parameter_enable": 0,
     "patching_rect": [
      140,
      660,
      140,
      22
     ],
     "presentation": 1,
     "presentation_rect": [
      70,
      24,
      122,
      15
     ],
     "varname": "a_menu"
    }
   },
   {
    "box": {
     "id": "obj-30",
     "maxclass": "newobj",
     "text": "prepend pick a menu",
     "numinlets": 1,
     "numoutlets": 1,
     "outlettype": [
      ""
     ],
     "patching_rect": [
      140,
      720,
      153,
      22
     ]
    }
   },
   {
    "box": {
     "id": "obj-31",
     "maxclass": "comment",
     "text": "Track",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      290,
      630,
      60,
      20
     ],
     "presentation": 1,
     "presentation_rect": [
      194,
      24,
      28,
      15
     ],
     "fontsize": 9.0
    }
   },
   {
    "box": {
     "id": "obj-32",
     "maxclass": "live.numbox",
     "numinlets": 1,
     "numoutlets": 2,
     "outlettype": [
      "",
      "float"
     ],
     "patching_rect": [
      290,
      660,
      34,
      15
     ],
     "presentation": 1,
     "presentation_rect": [
      222,
      24,
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
     "id": "obj-33",
     "maxclass": "newobj",
     "text": "prepend pick a track",
     "numinlets": 1,
     "numoutlets": 1,
     "outlettype": [
      ""
     ],
     "patching_rect": [
      290,
      720,
      160,
      22
     ]
    }
   },
   {
    "box": {
     "id": "obj-34",
     "maxclass": "comment",
     "text": "Scene",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      400,
      630,
      60,
      20
     ],
     "presentation": 1,
     "presentation_rect": [
      252,
      24,
      30,
      15
     ],
     "fontsize": 9.0
    }
   },
   {
    "box": {
     "id": "obj-35",
     "maxclass": "live.numbox",
     "numinlets": 1,
     "numoutlets": 2,
     "outlettype": [
      "",
      "float"
     ],
     "patching_rect": [
      400,
      660,
      34,
      15
     ],
     "presentation": 1,
     "presentation_rect": [
      282,
      24,
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
     "id": "obj-36",
     "maxclass": "newobj",
     "text": "prepend pick a scene",
     "numinlets": 1,
     "numoutlets": 1,
     "outlettype": [
      ""
     ],
     "patching_rect": [
      400,
      720,
      160,
      22
     ]
    }
   },
   {
    "box": {
     "id": "obj-37",
     "maxclass": "comment",
     "text": "B",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      540,
      630,
      60,
      20
     ],
     "presentation": 1,
     "presentation_rect": [
      56,
      42,
      12,
      15
     ],
     "fontsize": 9.0
    }
   },
   {
    "box": {
     "id": "obj-38",
     "maxclass": "umenu",
     "numinlets": 1,
     "numoutlets": 3,
     "outlettype": [
      "int",
      "",
      ""
     ],
     "items": [
      "clip at Track / Scene"
     ],
     "parameter_enable": 0,
     "patching_rect": [
      540,
      660,
      140,
      22
     ],
     "presentation": 1,
     "presentation_rect": [
      70,
      42,
      122,
      15
     ],
     "varname": "b_menu"
    }
   },
   {
    "box": {
     "id": "obj-39",
     "maxclass": "newobj",
     "text": "prepend pick b menu",
     "numinlets": 1,
     "numoutlets": 1,
     "outlettype": [
      ""
     ],
     "patching_rect": [
      540,
      720,
      153,
      22
     ]
    }
   },
   {
    "box": {
     "id": "obj-40",
     "maxclass": "comment",
     "text": "Track",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      690,
      630,
      60,
      20
     ],
     "presentation": 1,
     "presentation_rect": [
      194,
      42,
      28,
      15
     ],
     "fontsize": 9.0
    }
   },
   {
    "box": {
     "id": "obj-41",
     "maxclass": "live.numbox",
     "numinlets": 1,
     "numoutlets": 2,
     "outlettype": [
      "",
      "float"
     ],
     "patching_rect": [
      690,
      660,
      34,
      15
     ],
     "presentation": 1,
     "presentation_rect": [
      222,
      42,
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
     "id": "obj-42",
     "maxclass": "newobj",
     "text": "prepend pick b track",
     "numinlets": 1,
     "numoutlets": 1,
     "outlettype": [
      ""
     ],
     "patching_rect": [
      690,
      720,
      160,
      22
     ]
    }
   },
   {
    "box": {
     "id": "obj-43",
     "maxclass": "comment",
     "text": "Scene",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      800,
      630,
      60,
      20
     ],
     "presentation": 1,
     "presentation_rect": [
      252,
      42,
      30,
      15
     ],
     "fontsize": 9.0
    }
   },
   {
    "box": {
     "id": "obj-44",
     "maxclass": "live.numbox",
     "numinlets": 1,
     "numoutlets": 2,
     "outlettype": [
      "",
      "float"
     ],
     "patching_rect": [
      800,
      660,
      34,
      15
     ],
     "presentation": 1,
     "presentation_rect": [
      282,
      42,
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
     "id": "obj-45",
     "maxclass": "newobj",
     "text": "prepend pick b scene",
     "numinlets": 1,
     "numoutlets": 1,
     "outlettype": [
      ""
     ],
     "patching_rect": [
      800,
      720,
      160,
      22
     ]
    }
   },
   {
    "box": {
     "id": "obj-46",
     "maxclass": "comment",
     "text": "Step",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      140,
      330,
      60,
      20
     ],
     "presentation": 1,
     "presentation_rect": [
      56,
      60,
      26,
      15
     ],
     "fontsize": 9.0
    }
   },
   {
    "box": {
     "id": "obj-47",
     "maxclass": "live.numbox",
     "numinlets": 1,
     "numoutlets": 2,
     "outlettype": [
      "",
      "float"
     ],
     "patching_rect": [
      140,
      360,
      34,
      15
     ],
     "presentation": 1,
     "presentation_rect": [
      84,
      60,
      26,
      15
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "Step",
       "parameter_shortname": "Step",
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
     "varname": "step",
     "parameter_enable": 1
    }
   },
   {
    "box": {
     "id": "obj-48",
     "maxclass": "newobj",
     "text": "prepend param step",
     "numinlets": 1,
     "numoutlets": 1,
     "outlettype": [
      ""
     ],
     "patching_rect": [
      140,
      420,
      146,
      22
     ]
    }
   },
   {
    "box": {
     "id": "obj-49",
     "maxclass": "comment",
     "text": "of",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      260,
      330,
      60,
      20
     ],
     "presentation": 1,
     "presentation_rect": [
      112,
      60,
      12,
      15
     ],
     "fontsize": 9.0
    }
   },
   {
    "box": {
     "id": "obj-50",
     "maxclass": "live.numbox",
     "numinlets": 1,
     "numoutlets": 2,
     "outlettype": [
      "",
      "float"
     ],
     "patching_rect": [
      260,
      360,
      34,
      15
     ],
     "presentation": 1,
     "presentation_rect": [
      126,
      60,
      26,
      15
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "Steps",
       "parameter_shortname": "Steps",
       "parameter_type": 1,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        4
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
     "id": "obj-51",
     "maxclass": "newobj",
     "text": "prepend param steps",
     "numinlets": 1,
     "numoutlets": 1,
     "outlettype": [
      ""
     ],
     "patching_rect": [
      260,
      420,
      153,
      22
     ]
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
      "obj-4",
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
      "obj-5",
      1
     ],
     "destination": [
      "obj-1",
      1
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
      "obj-1",
      1
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
      "obj-1",
      2
     ],
     "destination": [
      "obj-8",
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
      "obj-1",
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
      "obj-9",
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
      "obj-10",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      0
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
      1
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
      "obj-11",
      0
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
      5
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
      "obj-14",
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
      "obj-15",
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
      "obj-16",
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
      "obj-21",
      0
     ],
     "destination": [
      "obj-22",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-22",
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
      "obj-24",
      0
     ],
     "destination": [
      "obj-25",
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
      "obj-1",
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
      "obj-27",
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
      "obj-29",
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
      "obj-32",
      0
     ],
     "destination": [
      "obj-33",
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
      "obj-1",
      10
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
      "obj-39",
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
      "obj-44",
      0
     ],
     "destination": [
      "obj-45",
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
      "obj-50",
      0
     ],
     "destination": [
      "obj-51",
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
      "obj-1",
      0
     ]
    }
   }
  ]
 }
}
